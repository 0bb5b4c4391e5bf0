"""The OCP REST API v1.1 on Chalice: registers blueprints and handlers, nothing else."""

from chalicelib import logs
from chalicelib.api import (
    accounting,
    audio,
    blasts,
    calls,
    carrier_hooks,
    compliance,
    conferences,
    console,
    emails,
    groups,
    phones,
    preferences,
    reference,
    sessions,
    tts,
    users,
)
from chalicelib.protocol import routes
from chalicelib.workflows import handlers
from chalicelib.workflows.fire import lambda_handler
from chalicelib.workflows.handlers import events_handler, sma_handler

app = routes.App(app_name="ocp")
logs.configure(app)
app.api.binary_types.append("multipart/form-data")
app.register_middleware(routes.chalice_errors, "http")

app.register_blueprint(sessions.bp)
app.register_blueprint(users.bp)
app.register_blueprint(phones.bp)
app.register_blueprint(preferences.bp)
app.register_blueprint(emails.bp)
app.register_blueprint(tts.bp)
app.register_blueprint(audio.bp)
app.register_blueprint(accounting.bp)
app.register_blueprint(groups.bp)
app.register_blueprint(calls.bp)
app.register_blueprint(conferences.bp)
app.register_blueprint(blasts.bp)
app.register_blueprint(compliance.bp)  # issue 27: /donotcall
app.register_blueprint(reference.bp)
app.register_blueprint(console.bp)  # the web console at /console (docs/console.md)
app.register_blueprint(carrier_hooks.bp)  # Twilio's webhooks (OCP_CARRIER=twilio)
app.register_blueprint(handlers.bp)
# Chalice names a pure function's handler `app.{its __name__}`: each is imported here.
app.lambda_function(name="fire")(lambda_handler)
app.lambda_function(name="sma")(sma_handler)  # the SIP media application (OCP_CARRIER=chime)
app.lambda_function(name="events")(events_handler)  # the tables' streams: status events
