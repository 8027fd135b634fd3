"""OpenAPI descriptions of the API's authentication schemes (drf-spectacular extensions)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "agencies.api.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema: object) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "An agency's key, sent as `Authorization: Api-Key <key>`.",
        }


class VerifiedSessionAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "agencies.api.authentication.VerifiedSessionAuthentication"
    name = "SessionAuth"

    def get_security_definition(self, auto_schema: object) -> dict:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "A browser session signed in with two factors (writes need the CSRF token).",
        }
