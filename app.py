"""The OCP REST API v1.1 on Chalice: registers blueprints and handlers, nothing else."""
from chalice import Chalice

from chalicelib import logs
from chalicelib.api import sessions, users
from chalicelib.protocol import routes
from chalicelib.workflows import dialer

app = Chalice(app_name="ocp")
logs.configure(app)
app.api.binary_types.append("multipart/form-data")
app.register_middleware(routes.chalice_errors, "http")

app.register_blueprint(sessions.bp)
app.register_blueprint(users.bp)
app.register_blueprint(dialer.bp)
