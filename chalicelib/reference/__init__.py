"""The API describing itself: the OpenAPI description (`openapi`), the Redoc page
(`page`) and the Postman collection (`collection`), all built from the routes' own
declarations. Imported by `make openapi` and, on first request, by GET /openapi.json and
/docs: never by the cold start of another route."""
