"""Reports laid out for reading: Jinja2 templates (HTML e-mail and its plain-text twin) and the
one function that renders a report record with them (`render.render`)."""
