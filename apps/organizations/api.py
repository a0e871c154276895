from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied

from apps.accounts.models import User
from apps.core.envelope import enveloped_response
from apps.core.tenancy import TenantScopedMixin
from apps.organizations import selectors, services
from apps.organizations.models import Membership, Organization, Role


class OrganizationSerializer(serializers.ModelSerializer):
    slug = serializers.SlugField(max_length=140, required=False)

    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"slug": {"validators": []}}


@extend_schema_field(OpenApiTypes.UUID)
class OrganizationClubField(serializers.PrimaryKeyRelatedField):
    """A club of the organization in context; any other id reads as 'does not exist' (400).
    The Club model comes from the reverse relation: organizations sits below clubs and imports none of it."""

    def get_queryset(self):
        clubs = Organization._meta.get_field("clubs").related_model.objects
        return clubs.filter(organization=self.context.get("organization"))


class MemberInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)
    club = OrganizationClubField(required=False, allow_null=True)

    def validate_email(self, value):
        user = User.objects.filter(email__iexact=value).first()
        if user is None:
            raise serializers.ValidationError("No Padelyzer account uses this e-mail; ask them to register first")
        return user


class MembershipSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.full_name")

    class Meta:
        model = Membership
        fields = ["id", "user", "email", "name", "organization", "club", "role", "created_at"]


class OrganizationViewSet(TenantScopedMixin, mixins.CreateModelMixin, mixins.ListModelMixin,
                          mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Organization.objects.all()
    serializer_class = OrganizationSerializer
    organization_lookup = ""
    referable_lookup = "clubs__is_public"  # a public club's answer shows its organization's id

    def perform_create(self, serializer):
        serializer.instance = services.organization_create(creator=self.request.user, **serializer.validated_data)

    def _require_admin(self, organization):
        if not self.can_write(organization):
            raise PermissionDenied("Only organization admins manage members")

    @extend_schema(request=MemberInputSerializer, responses={201: MembershipSerializer})
    @action(detail=True, methods=["post"], url_path="members")
    def members(self, request, pk=None):
        organization = self.get_object()
        self._require_admin(organization)
        data = MemberInputSerializer(data=request.data, context={"organization": organization})
        data.is_valid(raise_exception=True)
        membership = services.membership_create(
            organization=organization, user=data.validated_data["email"], role=data.validated_data["role"],
            club=data.validated_data.get("club"))
        return enveloped_response(MembershipSerializer(membership).data, "Member added", status=201)

    @extend_schema(responses={200: MembershipSerializer(many=True)})
    @members.mapping.get
    def list_members(self, request, pk=None):
        organization = self.get_object()
        self._require_admin(organization)
        rows = selectors.memberships_of(organization)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(MembershipSerializer(page, many=True).data)
