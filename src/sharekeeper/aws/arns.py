"""ARNs, built and parsed here only: the domain keeps share and invitation ids, resource URNs
and 32-hex account ids (docs/aws.md, "Identifiers").

A share's or an invitation's ARN carries the region the client signed for: ShareKeeper's
shares are global, so the same share reads in every region."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sharekeeper.domain.errors import InvalidParameter, MalformedIdentifier

PARTITION = "aws"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}"
_RAM = re.compile(
    rf"arn:aws:ram:(?P<region>{_REGION}):(?P<account>\d{{12}}):(?P<kind>resource-share|"
    rf"resource-share-invitation)/(?P<id>{_UUID})"
)
_ARN = re.compile(
    rf"arn:aws:(?P<service>[a-z0-9-]+):(?P<region>{_REGION}):(?P<account>\d{{12}}):"
    r"(?P<resource>[A-Za-z0-9-]+)/(?P<id>[A-Za-z0-9._-]{1,128})"
)
AWS_ACCOUNT_ID = re.compile(r"\d{12}")
SHARE = "resource-share"
INVITATION = "resource-share-invitation"


@dataclass(frozen=True, slots=True)
class AwsType:
    """An AWS RAM resource type and the catalogue's type it names (one table, here)."""

    name: str  # AWS RAM's, as ListResourceTypes and Resource.type give it: ec2:Subnet
    service: str  # the ARN's service: ec2
    resource: str  # the ARN's resource prefix: subnet
    catalogue: str  # the catalogue's type: vpc:subnet
    permission: str  # AWS's default permission's suffix: AWSRAMDefaultPermissionSubnet


TYPES = (
    AwsType("ec2:Subnet", "ec2", "subnet", "vpc:subnet", "Subnet"),
    AwsType(
        "route53resolver:ResolverRule",
        "route53resolver",
        "resolver-rule",
        "dns:resolverRule",
        "ResolverRule",
    ),
    AwsType(
        "acm-pca:CertificateAuthority",
        "acm-pca",
        "certificate-authority",
        "pca:ca",
        "CertificateAuthority",
    ),
)
BY_ARN = {(t.service, t.resource): t for t in TYPES}
BY_CATALOGUE = {t.catalogue: t for t in TYPES}
BY_NAME = {t.name.lower(): t for t in TYPES}


def ram_arn(kind: str, region: str, aws_account_id: str, resource_id: str) -> str:
    return f"arn:aws:ram:{region}:{aws_account_id}:{kind}/{resource_id}"


def ram_id(arn: str, kind: str) -> str:
    """The share's or invitation's id that ``arn`` names (its region and account are not
    checked against anything: the id alone names the thing, as the owner's rules decide who
    sees it)."""
    found = _RAM.fullmatch(arn)
    if found is None or found["kind"] != kind:
        raise MalformedIdentifier(
            f"{arn[:256]!r} is not a {kind} ARN: expected arn:aws:ram:REGION:ACCOUNT:{kind}/UUID."
        )
    return found["id"]


@dataclass(frozen=True, slots=True)
class ResourceArn:
    kind: AwsType
    region: str
    aws_account_id: str
    resource_id: str


def parse_resource(arn: str) -> ResourceArn:
    found = _ARN.fullmatch(arn)
    if found is None:
        raise MalformedIdentifier(
            f"{arn[:256]!r} is not a resource ARN: expected arn:aws:SERVICE:REGION:ACCOUNT:TYPE/ID."
        )
    kind = BY_ARN.get((found["service"], found["resource"]))
    if kind is None:
        served = ", ".join(t.name for t in TYPES)
        raise MalformedIdentifier(
            f"{arn[:256]!r} names a resource type ShareKeeper does not share; it shares {served}."
        )
    return ResourceArn(kind, found["region"], found["account"], found["id"])


def urn_of(resource: ResourceArn, account_id: str) -> str:
    """The domain's URN of a resource ARN, ``account_id`` being its owner's 32-hex id."""
    service, type_name = resource.kind.catalogue.split(":")
    return f"{service}:{resource.region}:{account_id}:{type_name}:{resource.resource_id}"


def resource_arn(urn: str, resource_type: str | None, aws_account_id: str) -> str | None:
    """The ARN of a resource URN of the catalogue's ``resource_type``; None for a type with no
    AWS counterpart (shared through Huawei's API: docs/aws.md says how it reads here)."""
    kind = BY_CATALOGUE.get(resource_type or "")
    parts = urn.split(":", 4)
    if kind is None or len(parts) != 5:
        return None
    return f"arn:aws:{kind.service}:{parts[1]}:{aws_account_id}:{kind.resource}/{parts[4]}"


def catalogue_type(value: str | None) -> str | None:
    """The catalogue's type of AWS's resource type name (any case, as AWS takes it)."""
    if value is None:
        return None
    kind = BY_NAME.get(value.lower())
    if kind is None:
        served = ", ".join(t.name for t in TYPES)
        raise InvalidParameter(
            f"resourceType {value[:128]!r} is not one ShareKeeper shares: {served}."
        )
    return kind.catalogue


def aws_type_of(resource_type: str | None) -> str | None:
    kind = BY_CATALOGUE.get(resource_type or "")
    return None if kind is None else kind.name


PERMISSION_PREFIX = "arn:aws:ram::aws:permission/"
_PERMISSION = re.compile(r"arn:aws:ram::aws:permission/(?P<name>[A-Za-z0-9]{1,128})")


def permission_name(name: str, resource_type: str, is_resource_type_default: bool) -> str | None:
    """AWS's name of a catalogue permission: a type's default is AWS's own
    (AWSRAMDefaultPermissionSubnet); another is named after its first words
    (readonly-vpc-subnet: AWSRAMPermissionSubnetReadonly). None for a type AWS has no name for."""
    kind = BY_CATALOGUE.get(resource_type)
    if kind is None:
        return None
    if is_resource_type_default:
        return f"AWSRAMDefaultPermission{kind.permission}"
    words = name.removesuffix("-" + resource_type.replace(":", "-")).split("-")
    return f"AWSRAMPermission{kind.permission}{''.join(w.capitalize() for w in words)}"


def permission_arn(name: str) -> str:
    return PERMISSION_PREFIX + name


def permission_name_of(arn: str) -> str:
    found = _PERMISSION.fullmatch(arn)
    if found is None:
        raise MalformedIdentifier(
            f"{arn[:256]!r} is not a permission ARN: expected {PERMISSION_PREFIX}NAME."
        )
    return found["name"]


# A customer-managed permission: its owner's account and its name (names are unique per
# account, and every region reads the same permission, as shares do).
_CUSTOMER_PERMISSION = re.compile(
    r"arn:aws:ram:(?P<region>[a-z0-9-]{0,32}):(?P<account>\d{12}):permission/(?P<name>[\w.-]{1,36})",
    re.ASCII,
)


def customer_permission_arn(region: str, aws_account_id: str, name: str) -> str:
    return f"arn:aws:ram:{region}:{aws_account_id}:permission/{name}"


def parse_customer_permission_arn(arn: str) -> tuple[str, str] | None:
    """(AWS account id, name) of a customer-managed permission's ARN; None for another ARN."""
    found = _CUSTOMER_PERMISSION.fullmatch(arn)
    return None if found is None else (found["account"], found["name"])


# An organization, root or OU: AWS's ARN and the directory's URN carry the same parts (the
# management account, the kind, the organization and the node ids), in their own spelling.
_ORGANIZATION_ARN = re.compile(
    r"arn:aws:organizations::(?P<mgmt>\d{12}):(?P<kind>organization|root|ou)/"
    r"(?P<path>o-[a-z0-9]{1,64}(?:/(?:r|ou)-[a-z0-9-]{1,64})?)"
)
_ORGANIZATION_URN = re.compile(
    r"organizations::(?P<mgmt>[0-9a-f]{32}):(?P<kind>organization|root|ou):(?P<path>.+)"
)
ORGANIZATIONS_PREFIX = "arn:aws:organizations:"
# A service principal as AWS names it, ``NAME.amazonaws.com``; the core names the same
# service ``service:NAME`` (domain/share_sources.py).
SERVICE_SUFFIX = ".amazonaws.com"


def service_of(principal: str) -> str | None:
    """The service an AWS service principal names, or None for any other principal."""
    if not principal.endswith(SERVICE_SUFFIX):
        return None
    return principal[: -len(SERVICE_SUFFIX)]


def service_principal(name: str) -> str:
    return name + SERVICE_SUFFIX


@dataclass(frozen=True, slots=True)
class OrganizationNode:
    management: str  # the management account's id, in the naming side's own form
    kind: str
    path: str


def parse_organization_arn(arn: str) -> OrganizationNode:
    found = _ORGANIZATION_ARN.fullmatch(arn)
    if found is None:
        raise MalformedIdentifier(
            f"{arn[:256]!r} is not an organization, root or OU ARN: expected "
            "arn:aws:organizations::ACCOUNT:organization/o-ID or .../ou/o-ID/ou-ID."
        )
    return OrganizationNode(found["mgmt"], found["kind"], found["path"])


def organization_urn(node: OrganizationNode, management_account_id: str) -> str:
    path = "/".join(directory_node_id(part) for part in node.path.split("/"))
    return f"organizations::{management_account_id}:{node.kind}:{path}"


def parse_organization_urn(urn: str) -> OrganizationNode | None:
    found = _ORGANIZATION_URN.fullmatch(urn)
    return None if found is None else OrganizationNode(found["mgmt"], found["kind"], found["path"])


def organization_arn(node: OrganizationNode, management_aws_id: str) -> str:
    path = "/".join(aws_node_id(part) for part in node.path.split("/"))
    return f"arn:aws:organizations::{management_aws_id}:{node.kind}/{path}"


# The directory's ids are AWS's but for two: an OU's is ``ou-`` and 32 characters, where AWS
# puts a hyphen after the first 4 (``ou-abcd-...``, a pattern Terraform checks), and a
# create-account status is ``cas-`` where AWS says ``car-``. The same characters either way,
# so both translate without a lookup. Anything else is the same id on both sides.
_DIRECTORY_OU = re.compile(r"ou-([a-z0-9]{4})([a-z0-9]{28})")
_AWS_OU = re.compile(r"ou-([a-z0-9]{4})-([a-z0-9]{28})")


def aws_node_id(node_id: str) -> str:
    found = _DIRECTORY_OU.fullmatch(node_id)
    if found is not None:
        return f"ou-{found[1]}-{found[2]}"
    if node_id.startswith("cas-"):
        return "car-" + node_id[4:]
    return node_id


def directory_node_id(aws_id: str) -> str:
    """The directory's id of an id AWS's way; an id of no known form passes as it is (the
    directory then finds no such node, and says so)."""
    found = _AWS_OU.fullmatch(aws_id)
    if found is not None:
        return f"ou-{found[1]}{found[2]}"
    if aws_id.startswith("car-"):
        return "cas-" + aws_id[4:]
    return aws_id
