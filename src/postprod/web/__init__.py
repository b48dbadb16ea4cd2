"""Server-rendered pages: the supervisor's desk and the production director's view."""
