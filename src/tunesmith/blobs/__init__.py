"""Blob storage: the :class:`~tunesmith.blobs.store.BlobStore` port, a local adapter, file URLs."""
