"""The playground: a static HTML/CSS/JS page served by the app at ``/``."""
