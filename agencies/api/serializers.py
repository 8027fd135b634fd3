"""Output serializers of the agencies API."""

from rest_framework import serializers

from agencies.models import Agency, Area, User


class AreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Area
        fields = ["slug", "name", "kind"]


class AgencySerializer(serializers.ModelSerializer):
    areas = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Agency
        fields = ["id", "slug", "name", "kind", "is_marac_member", "areas"]


class AgencyBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "slug", "name", "kind"]


class StaffSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_full_name", read_only=True)
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "name", "roles", "specialist_post"]

    def get_roles(self, user: User) -> list[str]:
        return sorted(user.roles)


class MeSerializer(serializers.Serializer):
    """The caller: a user (`type` "user") or an agency's API key (`type` "api_key")."""

    type = serializers.ChoiceField(choices=["user", "api_key"])
    id = serializers.IntegerField(allow_null=True, help_text="The user's id; null for an API key.")
    name = serializers.CharField(help_text="The user's full name, or the key's name.")
    email = serializers.EmailField(allow_null=True)
    roles = serializers.ListField(child=serializers.CharField())
    specialist_post = serializers.CharField(allow_blank=True)
    scope = serializers.ChoiceField(choices=["read", "write"], allow_null=True)
    agency = AgencyBriefSerializer()
