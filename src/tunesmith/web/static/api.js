// A tiny client of the tunesmith HTTP API (API.md) for the playground: the key lives in localStorage.

const KEY_STORAGE = "tunesmith.apiKey";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function storedKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) || "";
  } catch {
    return "";
  }
}

export function storeKey(key) {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    /* private mode: the key lasts for this page only */
  }
}

export class Api {
  constructor(key) {
    this.key = key;
  }

  async request(method, path, body) {
    const headers = { Authorization: `Bearer ${this.key}` };
    let payload;
    if (body instanceof FormData) {
      payload = body;
    } else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, { method, headers, body: payload });
    } catch (err) {
      throw new ApiError(0, `The server cannot be reached (${err.message}).`);
    }
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (!response.ok) {
      const message = (data && (data.message || data.error)) || `HTTP ${response.status}`;
      throw new ApiError(response.status, message);
    }
    return data;
  }

  credits() {
    return this.request("GET", "/api/v1/get-credits");
  }

  create(body) {
    return this.request("POST", "/api/v1/sonic/create", body);
  }

  poll(taskId) {
    return this.request("GET", `/api/v1/sonic/task/${encodeURIComponent(taskId)}`);
  }

  clip(clipId) {
    return this.request("GET", `/api/v1/clips/${encodeURIComponent(clipId)}`);
  }

  tasks(limit = 10) {
    return this.request("GET", `/api/v1/tasks?family=sonic&limit=${limit}`);
  }

  upload(file) {
    const form = new FormData();
    form.append("file", file, file.name);
    const title = file.name.replace(/\.[^.]+$/, "").slice(0, 80);
    if (title) form.append("title", title);
    return this.request("POST", "/api/v1/sonic/upload", form);
  }

  post(path, body) {
    return this.request("POST", path, body);
  }
}

export async function serverConfig() {
  const response = await fetch("/playground/config");
  if (!response.ok) throw new ApiError(response.status, "The playground config is unavailable.");
  return response.json();
}
