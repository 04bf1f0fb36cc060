"""The JSON log formatter, shared by the application (settings.LOGGING) and gunicorn (gunicorn.conf.py), so
that every line on stdout is one JSON object of the same shape. No Django imports: gunicorn reads it before
Django is set up."""

JSON_FORMATTER = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
    "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
}
