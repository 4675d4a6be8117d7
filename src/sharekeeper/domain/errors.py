"""The one exception tree. Every class carries its wire ``error_code``; the HTTP status of each
branch lives in one table at the edge (``sharekeeper.api.errors``).

    ShareKeeperError
    ├── AuthenticationFailed          APIGW.0301  the request is not signed by a valid key
    │   └── (SigV4's kinds, which AWS's wire API tells apart: SignatureMissing,
    │        SignatureMismatch, SignatureExpired, UnknownAccessKey)
    ├── ApiNotFound                   APIGW.0101  no such operation
    │   ├── MethodNotAllowed          APIGW.0101  the path exists, the method does not
    │   └── OperationNotServed        APIGW.0101  a known operation not served yet (AWS's)
    ├── InvalidRequest                            the request is malformed or breaks a rule
    │   ├── MalformedBody             RAM.9001
    │   ├── MalformedRequest          RAM.9011    not HTTP/1.1 as the parser reads it
    │   ├── InvalidParameter          RAM.9100
    │   │   ├── MalformedIdentifier   RAM.9100    an identifier not of its form (an ARN)
    │   │   └── LastSourceStays       RAM.9100    a share naming a service keeps a source
    │   ├── DomainIdMismatch          RAM.1002
    │   ├── InvalidAccountId          RAM.1004
    │   ├── PrincipalIsOwner          RAM.1005
    │   ├── DuplicatePrincipal        RAM.1006
    │   ├── DuplicateResourceUrn      RAM.1007
    │   ├── ResourceTypeWithoutPermission RAM.1009
    │   ├── ResourceNotOwned          RAM.1010
    │   ├── QuotaExceeded             RAM.1011
    │   ├── TotalQuotaExceeded        RAM.1012
    │   ├── OrganizationSharingDisabled RAM.1013
    │   ├── CrossOrganizationPrincipal RAM.1014
    │   ├── ExternalPrincipalNotAllowed RAM.1015
    │   ├── NotManagementAccount      RAM.1801
    │   ├── NoOrganization            RAM.1802
    │   ├── InvalidResourceUrn        RAM.9101
    │   ├── ResourceTypeNotShareable  RAM.9102
    │   ├── UnknownPermission         RAM.9103
    │   ├── PermissionConflict        RAM.9104
    │   ├── PermissionAlreadyBound    RAM.9105
    │   ├── UnknownOrganizationPrincipal RAM.9107
    │   ├── DirectoryRuleBroken       RAM.9110
    │   ├── IdempotentParameterMismatch RAM.9111  a clientToken replayed with other members
    │   ├── MalformedPolicyTemplate   RAM.9112    a customer-managed permission's template
    │   ├── PermissionNameTaken       RAM.9113
    │   ├── PermissionVersionLimit    RAM.9114
    │   ├── DefaultVersionStays       RAM.9115    the default version cannot be deleted
    │   ├── PermissionLimit           RAM.9116    an account's customer-managed permissions
    │   └── NotCreatedFromPolicy      RAM.9117    a Promote* of what no resource policy made
    ├── StateConflict                             the target is not in a state that allows it
    │   ├── ResourceShareNotActive    RAM.1101
    │   ├── NotAssociated             RAM.9201
    │   │   └── PermissionNotAssociated RAM.9201
    │   ├── CannotLeaveShare          RAM.9202
    │   ├── ConcurrentChange          RAM.9203
    │   ├── InvitationAlreadyAccepted RAM.9301
    │   ├── InvitationAlreadyRejected RAM.9302
    │   ├── InvitationExpired         RAM.9303
    │   ├── InvitationWithdrawn       RAM.9304
    │   ├── WebhookRemoved            RAM.9204
    │   └── ServiceRoleInUse          RAM.9205    a service's role asked deleted while it works
    ├── LimitExceeded                 RAM.9009    the request is beyond what is served
    │   ├── RequestTooLarge           RAM.9002
    │   ├── HeadersTooLarge           RAM.9003
    │   ├── TooManyRequests           RAM.9004 (TooManyFailures: failed attempts at a secret)
    │   ├── RequestTimeout            RAM.9005
    │   ├── ServiceBusy               RAM.9006
    │   ├── RequestLineTooLong        RAM.9007
    │   └── TooManyConnections        RAM.9008
    ├── MasterKeyRetired              RAM.9010    the server's master key was rotated out
    ├── Forbidden                                 signed by a valid key that may not do this
    │   ├── ServiceKeyRequired        RAM.9501    an account key on a decision operation
    │   ├── ServiceKeyRefused         RAM.9502    a service key on the RAM or Organizations API
    │   ├── OutsideNamespaces         RAM.9503    a service asking beyond its namespaces
    │   ├── FormRefused               RAM.9504    a console form forged or from elsewhere
    │   └── AssumeRoleRefused         RAM.9509    AssumeRole from temporary keys, or another's role
    └── NotFound                                  the target does not exist for this caller
        ├── ResourceShareNotFound     RAM.9401
        ├── InvitationNotFound        RAM.9402
        ├── PermissionNotFound        RAM.9403
        ├── AccountNotFound           RAM.9405
        ├── AccessKeyNotFound         RAM.9406
        ├── DirectoryEntryNotFound    RAM.9407
        ├── ServicePrincipalNotFound  RAM.9408
        ├── WebhookNotFound           RAM.9409
        ├── DeadLetterNotFound        RAM.9410
        └── ServiceRoleNotFound       RAM.9411    a role no service keeps for the caller

    The Organizations API's (Organizations.*, statuses in the table at the edge):
    OrgNotManagementAccount 1001, OrganizationNotFound 1015 (both 401, as Huawei answers),
    TrustedServiceDisabled 1900, OrgInvalidParameter 9100, OrgAccountAlreadyMember 9101,
    OrganizationNotEmpty 9102, OrgUnitNotEmpty 9103, OrgUnitNameTaken 9104,
    UnknownTrustedService 9105, HandshakeAlreadyPending 9106, HandshakeNotPending 9107,
    HandshakeCancelled 1401, ManagementAccountStays 9108, OrgUnitLimit 9109,
    OrgAccountNotClosable 9110, HandshakeQuotaExceeded 9111,
    OrgAccountCreationQuotaExceeded 9112; Huawei's quota codes
    OrgAccountQuotaExceeded 1305 and OrgUnitQuotaExceeded 1204; OrgEntityNotFound 9401,
    OrgAccountNotFound 9402, HandshakeNotFound 9403, CreateAccountStatusNotFound 9404 (404)
    Delegated administrators: OrgNotManagementOrDelegated 1002 (401), DelegatedAdministrator-
    NotFound 1500, DelegatedAdministratorExists 9150, ManagementAccountNotDelegable 9151,
    ServiceNotTrusted 9152, DelegatedAdministratorQuotaExceeded 9153
    Policies (domain/policies.py): PolicyContentInvalid 9301, PolicyNameTaken 9302,
    PolicyStillAttached 9303, PolicyTypeNotEnabled 9304, PolicyAttachmentLimit 9305,
    PolicyAlreadyAttached 9306, SystemPolicyReadOnly 9307, EffectivePolicyUnsupported 9308,
    PolicyQuotaExceeded 9309; PolicyNotFound 9430, PolicyAttachmentNotFound 9431 (404)

Codes RAM.10xx-18xx are Huawei's own (spec section 8); RAM.9xxx are ShareKeeper's, for cases
Huawei documents no code for (docs/errors.md).
"""

from __future__ import annotations


class ShareKeeperError(Exception):
    """Base of every error a caller can see. ``message`` is safe to show to that caller."""

    code = "RAM.9000"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def headers(self) -> dict[str, str]:
        """HTTP headers that belong with this error (Retry-After, Allow)."""
        return {}

    def details(self) -> dict[str, str]:
        """Fields of the error body beside error_code and error_msg, for a caller's program
        to act on (the feed's oldest cursor)."""
        return {}


class AuthenticationFailed(ShareKeeperError):
    code = "APIGW.0301"

    def __init__(self, reason: str) -> None:
        super().__init__(f"Incorrect IAM authentication information: {reason}")
        self.reason = reason  # without Huawei's wording, for AWS's wire API


class SignatureMissing(AuthenticationFailed):
    """No SigV4 signature, or one without its date (AWS's MissingAuthenticationToken)."""


class SignatureMismatch(AuthenticationFailed):
    """A SigV4 signature that is malformed or does not match the request."""


class SignatureExpired(AuthenticationFailed):
    """A SigV4 signature outside its window (or a presigned URL past its expiry)."""


class UnknownAccessKey(AuthenticationFailed):
    """A SigV4 signature by an access key no account has."""


class ApiNotFound(ShareKeeperError):
    code = "APIGW.0101"

    def __init__(self, method: str, path: str) -> None:
        super().__init__(f"The API does not exist or has not been published: {method} {path}")


class MethodNotAllowed(ApiNotFound):
    def __init__(self, method: str, path: str, allowed: str) -> None:
        ShareKeeperError.__init__(
            self, f"The API {path} does not support {method}; it supports {allowed}."
        )
        self.allowed = allowed

    def headers(self) -> dict[str, str]:
        return {"Allow": self.allowed}


class OperationNotServed(ApiNotFound):
    """An operation of a wire API that ShareKeeper knows but does not serve yet (AWS RAM's,
    docs/aws.md lists them): said plainly, never faked."""

    def __init__(self, api: str, operation: str) -> None:
        ShareKeeperError.__init__(
            self,
            f"ShareKeeper does not serve {api}'s {operation} yet (docs/aws.md lists what "
            "it serves).",
        )


class InvalidRequest(ShareKeeperError):
    code = "RAM.9100"


class MalformedBody(InvalidRequest):
    code = "RAM.9001"

    def __init__(self, detail: str) -> None:
        super().__init__(f"The request body is not valid JSON: {detail}")


class MalformedRequest(InvalidRequest):
    """Bytes the HTTP parser cannot read as a request (answered, then the connection closed)."""

    code = "RAM.9011"

    def __init__(self, reason: str) -> None:
        super().__init__(f"The request is not valid HTTP/1.1: {reason}")


class InvalidParameter(InvalidRequest):
    code = "RAM.9100"


class MalformedIdentifier(InvalidParameter):
    """An identifier that is not of its form: on AWS's wire API, an ARN."""


class LastSourceStays(InvalidParameter):
    """Removing every source of a share that names a service would widen what the service may
    act for to the owner's default at once (domain/share_sources.py): AWS refuses it too."""

    def __init__(self, share_id: str) -> None:
        super().__init__(
            f"The resource share {share_id} names a service principal: at least one of its "
            "sources must remain (remove the service principal first)."
        )


class DomainIdMismatch(InvalidRequest):
    code = "RAM.1002"

    def __init__(self, domain_id: str) -> None:
        super().__init__(f"The domain id {domain_id} in the header is invalid.")


class InvalidAccountId(InvalidRequest):
    code = "RAM.1004"

    def __init__(self, value: str) -> None:
        super().__init__(f"The account id is invalid: {value}")


class PrincipalIsOwner(InvalidRequest):
    code = "RAM.1005"

    def __init__(self, principal: str) -> None:
        super().__init__(f"The share principal {principal} cannot be the owner.")


class DuplicatePrincipal(InvalidRequest):
    code = "RAM.1006"

    def __init__(self, principal: str) -> None:
        super().__init__(f"The principal is invalid for duplicate: {principal}")


class DuplicateResourceUrn(InvalidRequest):
    code = "RAM.1007"

    def __init__(self, urn: str) -> None:
        super().__init__(f"The resource urn is invalid for duplicate: {urn}")


class ResourceTypeWithoutPermission(InvalidRequest):
    code = "RAM.1009"

    def __init__(self, resource_type: str) -> None:
        super().__init__(f"The resource type {resource_type} has no permission.")


class ResourceNotOwned(InvalidRequest):
    code = "RAM.1010"

    def __init__(self, account_id: str, urn: str) -> None:
        super().__init__(f"The domain id {account_id} does not own the resource urn {urn}.")


class QuotaExceeded(InvalidRequest):
    code = "RAM.1011"

    def __init__(self, kind: str, share_id: str, quota: int, adding: int) -> None:
        super().__init__(
            f"The {kind} num exceeds resource share {share_id} quota {quota} if add count {adding}."
        )


class TotalQuotaExceeded(InvalidRequest):
    code = "RAM.1012"

    def __init__(self, kind: str, quota: int, adding: int) -> None:
        super().__init__(f"The {kind} num exceeds the total quota {quota} if add count {adding}.")


class OrganizationSharingDisabled(InvalidRequest):
    code = "RAM.1013"

    def __init__(self, management_account_id: str) -> None:
        super().__init__(
            f"The organization management id {management_account_id} has not enabled sharing."
        )


class CrossOrganizationPrincipal(InvalidRequest):
    code = "RAM.1014"

    def __init__(self, principal: str) -> None:
        super().__init__(
            "The cross organizations share cannot shared to the organizations with the "
            f"principal {principal}."
        )


class NotManagementAccount(InvalidRequest):
    code = "RAM.1801"

    def __init__(self, account_id: str) -> None:
        super().__init__(
            f"The account {account_id} is not the management account of its organization."
        )


class NoOrganization(InvalidRequest):
    code = "RAM.1802"

    def __init__(self, account_id: str) -> None:
        super().__init__(
            f"Get organization info error: the account {account_id} belongs to no organization."
        )


class ExternalPrincipalNotAllowed(InvalidRequest):
    code = "RAM.1015"

    def __init__(self, principal: str) -> None:
        super().__init__(
            f"The cross organizations share is not allowed with the principal {principal}: "
            "the resource share does not allow external principals."
        )


class InvalidResourceUrn(InvalidRequest):
    code = "RAM.9101"

    def __init__(self, urn: str, why: str) -> None:
        super().__init__(f"The resource urn {urn} is invalid: {why}")


class ResourceTypeNotShareable(InvalidRequest):
    code = "RAM.9102"

    def __init__(self, resource_type: str) -> None:
        super().__init__(f"The resource type {resource_type} cannot be shared.")


class UnknownPermission(InvalidRequest):
    code = "RAM.9103"

    def __init__(self, permission_id: str) -> None:
        super().__init__(f"The permission {permission_id} does not exist.")


class PermissionConflict(InvalidRequest):
    code = "RAM.9104"

    def __init__(self, resource_type: str) -> None:
        super().__init__(
            f"More than one permission was given for the resource type {resource_type}; "
            "a resource share holds one permission per resource type."
        )


class PermissionAlreadyBound(InvalidRequest):
    code = "RAM.9105"

    def __init__(self, resource_type: str, permission_id: str) -> None:
        super().__init__(
            f"The permission {permission_id} is already bound for the resource type "
            f"{resource_type}; set replace to true to replace it."
        )


class UnknownOrganizationPrincipal(InvalidRequest):
    code = "RAM.9107"

    def __init__(self, principal: str) -> None:
        super().__init__(
            f"The principal {principal} names no organization, root or OU of the owner's "
            "organization."
        )


class DirectoryRuleBroken(InvalidRequest):
    """An organization-directory change that would leave the directory inconsistent."""

    code = "RAM.9110"


class IdempotentParameterMismatch(InvalidRequest):
    code = "RAM.9111"

    def __init__(self, operation: str) -> None:
        super().__init__(
            f"The clientToken was already used by a {operation} request with other parameters; "
            "use a new clientToken for a different request."
        )


class MalformedPolicyTemplate(InvalidParameter):
    code = "RAM.9112"


class PermissionNameTaken(InvalidRequest):
    code = "RAM.9113"

    def __init__(self, name: str) -> None:
        super().__init__(f"The account already has a permission named {name}.")


class PermissionVersionLimit(InvalidRequest):
    code = "RAM.9114"

    def __init__(self, name: str, limit: int) -> None:
        super().__init__(
            f"The permission {name} has {limit} versions, the most it may have: delete one "
            "that is not the default first."
        )


class PermissionLimit(InvalidRequest):
    code = "RAM.9116"

    def __init__(self, limit: int) -> None:
        super().__init__(f"The account has {limit} customer-managed permissions, the most it may.")


class NotCreatedFromPolicy(InvalidRequest):
    code = "RAM.9117"

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what} was not created from a resource-based policy: it is already a standard "
            "one (ShareKeeper creates nothing from resource-based policies)."
        )


class DefaultVersionStays(InvalidRequest):
    code = "RAM.9115"

    def __init__(self, name: str, version: int) -> None:
        super().__init__(
            f"Version {version} is the default version of the permission {name}: make another "
            "version the default first, or delete the permission."
        )


class PermissionInUse(InvalidRequest):
    code = "RAM.9118"

    def __init__(self, name: str, version: int | None = None) -> None:
        which = name if version is None else f"Version {version} of {name}"
        super().__init__(
            f"{which} is bound to a resource share: replace or unbind it there first "
            "(ReplacePermissionAssociations, DisassociateResourceSharePermission)."
        )


class PermissionDeprecated(InvalidRequest):
    code = "RAM.9119"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"The permission {name} is deprecated: it binds to no new resource share "
            "(UpdatePermission with ATTACHABLE restores it)."
        )


class PermissionNotCustomerManaged(InvalidRequest):
    code = "RAM.9120"

    def __init__(self, name: str) -> None:
        super().__init__(f"The permission {name} is AWS-managed: only its service changes it.")


class StateConflict(ShareKeeperError):
    code = "RAM.9200"


class ResourceShareNotActive(StateConflict):
    code = "RAM.1101"

    def __init__(self, share_id: str) -> None:
        super().__init__(f"The resource share {share_id} is not active.")


class NotAssociated(StateConflict):
    code = "RAM.9201"

    def __init__(self, entity: str, share_id: str) -> None:
        super().__init__(f"{entity} is not associated with the resource share {share_id}.")


class PermissionNotAssociated(NotAssociated):
    """Unbinding a permission the share does not hold. A class of its own because AWS's API
    answers it as bad input, and its message says "already been disassociated": clients
    (terraform-provider-aws) read those words as "already gone" (docs/aws.md)."""

    def __init__(self, permission_id: str, share_id: str) -> None:
        ShareKeeperError.__init__(
            self,
            f"The permission {permission_id} is not associated with the resource share "
            f"{share_id}: it has already been disassociated, or never was.",
        )


class CannotLeaveShare(StateConflict):
    code = "RAM.9202"


class ConcurrentChange(StateConflict):
    code = "RAM.9203"

    def __init__(self) -> None:
        super().__init__("The resource was changed by a concurrent request; retry the request.")


class InvitationAlreadyAccepted(StateConflict):
    code = "RAM.9301"

    def __init__(self, invitation_id: str) -> None:
        super().__init__(f"The resource share invitation {invitation_id} is already accepted.")


class InvitationAlreadyRejected(StateConflict):
    code = "RAM.9302"

    def __init__(self, invitation_id: str) -> None:
        super().__init__(f"The resource share invitation {invitation_id} is already rejected.")


class InvitationExpired(StateConflict):
    code = "RAM.9303"

    def __init__(self, invitation_id: str) -> None:
        super().__init__(f"The resource share invitation {invitation_id} has expired.")


class WebhookRemoved(StateConflict):
    code = "RAM.9204"

    def __init__(self, webhook_id: str) -> None:
        super().__init__(
            f"The webhook {webhook_id} was removed: its dead letters can no longer be "
            "replayed (add the URL again for new events)."
        )


class ServiceRoleInUse(StateConflict):
    code = "RAM.9205"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"The role {name} is in use while the organization shares through RAM: disable "
            "trusted access for ram.amazonaws.com first (DisableAWSServiceAccess)."
        )


class InvitationWithdrawn(StateConflict):
    code = "RAM.9304"

    def __init__(self, invitation_id: str) -> None:
        super().__init__(
            f"The resource share invitation {invitation_id} was withdrawn by the owner "
            "(the principal was disassociated or the resource share was deleted)."
        )


class LimitExceeded(ShareKeeperError):
    code = "RAM.9009"


class RequestTooLarge(LimitExceeded):
    code = "RAM.9002"

    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body is larger than {limit} bytes.")


class HeadersTooLarge(LimitExceeded):
    code = "RAM.9003"

    def __init__(self, why: str) -> None:
        super().__init__(f"The request headers are too large: {why}.")


class TooManyRequests(LimitExceeded):
    code = "RAM.9004"

    def __init__(self, account_id: str, retry_after: int) -> None:
        super().__init__(
            f"The account {account_id} sends requests faster than its rate limit; "
            f"retry after {retry_after} s."
        )
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class TooManyFailures(TooManyRequests):
    """Too many failed attempts at a secret (a sign-in, the admin token, a derived-key
    signature) from this source or at this key; the attempt was not tried."""

    def __init__(self, retry_after: int) -> None:
        LimitExceeded.__init__(self, f"Too many failed attempts; try again in {retry_after} s.")
        self.retry_after = retry_after


class RequestTimeout(LimitExceeded):
    code = "RAM.9005"

    def __init__(self, seconds: float, part: str = "body") -> None:
        super().__init__(f"The request {part} did not arrive within {seconds:g} s.")


class ServiceBusy(LimitExceeded):
    code = "RAM.9006"

    def __init__(self) -> None:
        super().__init__("The database is busy; retry the request shortly.")

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "1"}


class RequestLineTooLong(LimitExceeded):
    code = "RAM.9007"

    def __init__(self, limit: int) -> None:
        super().__init__(f"The request line is longer than {limit} bytes.")


class TooManyConnections(LimitExceeded):
    code = "RAM.9008"

    def __init__(self, whose: str, limit: int) -> None:
        super().__init__(f"{whose} already holds {limit} open connections; retry shortly.")

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "1"}


class MasterKeyRetired(ShareKeeperError):
    code = "RAM.9010"

    def __init__(self) -> None:
        super().__init__(
            "The master key of this server was replaced (sharekeeper key rotate-master): it "
            "issues no access key until it is restarted with the new one."
        )


class NotFound(ShareKeeperError):
    code = "RAM.9400"


class ResourceShareNotFound(NotFound):
    code = "RAM.9401"

    def __init__(self, share_id: str) -> None:
        super().__init__(f"The resource share {share_id} does not exist.")


class InvitationNotFound(NotFound):
    code = "RAM.9402"

    def __init__(self, invitation_id: str) -> None:
        super().__init__(f"The resource share invitation {invitation_id} does not exist.")


class PermissionNotFound(NotFound):
    code = "RAM.9403"

    def __init__(self, permission_id: str, version: int | None = None) -> None:
        which = permission_id if version is None else f"{permission_id} version {version}"
        super().__init__(f"The permission {which} does not exist.")


class AccountNotFound(NotFound):
    code = "RAM.9405"

    def __init__(self, account_id: str) -> None:
        super().__init__(f"The account {account_id} does not exist.")


class DirectoryEntryNotFound(NotFound):
    code = "RAM.9407"

    def __init__(self, what: str, entry_id: str) -> None:
        super().__init__(f"The {what} {entry_id} does not exist.")


class AccessKeyNotFound(NotFound):
    code = "RAM.9406"

    def __init__(self, access_key: str) -> None:
        super().__init__(f"The access key {access_key} does not exist.")


class ServicePrincipalNotFound(NotFound):
    code = "RAM.9408"

    def __init__(self, service_id: str) -> None:
        super().__init__(f"The service principal {service_id} does not exist.")


class WebhookNotFound(NotFound):
    code = "RAM.9409"

    def __init__(self, webhook_id: str) -> None:
        super().__init__(f"The webhook {webhook_id} does not exist.")


class DeadLetterNotFound(NotFound):
    code = "RAM.9410"

    def __init__(self, dead_letter_id: str) -> None:
        super().__init__(f"The dead letter {dead_letter_id} does not exist.")


class ServiceRoleNotFound(NotFound):
    """A role name no service keeps in the caller's account (RAM's exists in a management
    account while its organization shares; docs/aws.md, "IAM")."""

    code = "RAM.9411"

    def __init__(self, name: str) -> None:
        super().__init__(f"The role with name {name} cannot be found.")


# Decisions for resource services (docs/enforcement.md): the caller proved who it is, and who it
# is may not do this. Codes RAM.95xx are this area's.


class Forbidden(ShareKeeperError):
    code = "RAM.9500"


class AssumeRoleRefused(Forbidden):
    """STS AssumeRole refused: signed with temporary credentials (which could otherwise renew
    themselves for ever, so a leaked one would never expire), or naming another account's
    role (ShareKeeper has no trust policies to let one account into another)."""

    code = "RAM.9509"


class ServiceKeyRequired(Forbidden):
    code = "RAM.9501"

    def __init__(self) -> None:
        super().__init__(
            "Only a service principal's key may call this operation; an account key is "
            "refused (create one with `sharekeeper service create`)."
        )


class ServiceKeyRefused(Forbidden):
    code = "RAM.9502"

    def __init__(self) -> None:
        super().__init__(
            "A service principal's key may call only the /sharekeeper/v1 decision operations, "
            "not the RAM or Organizations API; sign with an account's key."
        )


class OutsideNamespaces(Forbidden):
    code = "RAM.9503"

    def __init__(self, what: str, namespaces: tuple[str, ...]) -> None:
        super().__init__(f"{what} is outside this service's namespaces ({', '.join(namespaces)}).")


class FormRefused(Forbidden):
    """A console form posted from another site, or without its session's CSRF token."""

    code = "RAM.9504"


class CursorExpired(ShareKeeperError):
    """A change feed's cursor older than the events kept (docs/enforcement.md)."""

    code = "RAM.9601"

    def __init__(self, cursor: int, oldest: int) -> None:
        super().__init__(
            f"The cursor {cursor} is older than the events kept (SHAREKEEPER_EVENT_RETENTION); "
            f"the oldest cursor is {oldest}: read again from there, or without after."
        )
        self.oldest = oldest

    def headers(self) -> dict[str, str]:
        return {"X-ShareKeeper-Oldest-Cursor": str(self.oldest)}

    def details(self) -> dict[str, str]:
        return {"oldest_cursor": str(self.oldest)}


class CursorAhead(InvalidRequest):
    """A change feed's cursor beyond the newest ever handed out: not one this feed gave (a
    typo, or another installation's), so reading on from it would silently skip events."""

    code = "RAM.9602"

    def __init__(self, cursor: int, newest: int) -> None:
        super().__init__(
            f"The cursor {cursor} is beyond the newest cursor of this feed, {newest}: pass a "
            "cursor this feed answered with, or read without after."
        )
        self.newest = newest


# The Organizations API's own errors. Huawei documents Organizations.1001, 1015, 1401 and 1900
# (docs/errors.md); Organizations.9xxx are ShareKeeper's, where Huawei's code is not published.


class OrgNotManagementAccount(InvalidRequest):
    code = "Organizations.1001"

    def __init__(self, account_id: str) -> None:
        super().__init__(
            "This operation can be called only from the management account of an organization "
            f"(the account {account_id} is not)."
        )


class OrganizationNotFound(InvalidRequest):
    code = "Organizations.1015"

    def __init__(self, account_id: str) -> None:
        super().__init__(f"The organization is not found: the account {account_id} is in none.")


class TrustedServiceDisabled(StateConflict):
    code = "Organizations.1900"

    def __init__(self, service_principal: str) -> None:
        super().__init__(f"The specified trusted service {service_principal} is disabled.")


class OrgInvalidParameter(InvalidRequest):
    code = "Organizations.9100"


class OrgAccountAlreadyMember(InvalidRequest):
    code = "Organizations.9101"

    def __init__(self, account_id: str) -> None:
        super().__init__(f"The account {account_id} already belongs to an organization.")


class OrganizationNotEmpty(StateConflict):
    code = "Organizations.9102"

    def __init__(self, organization_id: str) -> None:
        super().__init__(
            f"The organization {organization_id} still holds member accounts or OUs; remove "
            "them first."
        )


class OrgUnitNotEmpty(StateConflict):
    code = "Organizations.9103"

    def __init__(self, unit_id: str) -> None:
        super().__init__(
            f"The organizational unit {unit_id} still holds accounts or organizational units."
        )


class OrgUnitNameTaken(InvalidRequest):
    code = "Organizations.9104"

    def __init__(self, name: str) -> None:
        super().__init__(f"An organizational unit named {name!r} already exists under the parent.")


class UnknownTrustedService(InvalidRequest):
    code = "Organizations.9105"

    def __init__(self, service_principal: str) -> None:
        super().__init__(
            f"The service principal {service_principal!r} is not a service that can be trusted."
        )


class OrgEntityNotFound(NotFound):
    code = "Organizations.9401"

    def __init__(self, entity_id: str) -> None:
        super().__init__(f"The entity {entity_id} is not in the caller's organization.")
        self.entity_id = entity_id  # AWS names the error after the entity's kind


class HandshakeAlreadyPending(InvalidRequest):
    code = "Organizations.9106"

    def __init__(self, account_id: str) -> None:
        super().__init__(f"The account {account_id} already has a pending invitation.")


class HandshakeNotPending(StateConflict):
    code = "Organizations.9107"

    def __init__(self, handshake_id: str, status: str) -> None:
        super().__init__(f"The invitation {handshake_id} is {status}, not pending.")


class HandshakeCancelled(StateConflict):
    """Huawei's own code for a cancelled invitation (Terraform reads it as gone)."""

    code = "Organizations.1401"

    def __init__(self, handshake_id: str) -> None:
        super().__init__(f"The invitation has been canceled: {handshake_id}.")


class ManagementAccountStays(InvalidRequest):
    code = "Organizations.9108"

    def __init__(self, account_id: str) -> None:
        super().__init__(
            f"The management account {account_id} cannot leave, be removed from or be closed "
            "in its organization; delete the organization instead."
        )


class OrgAccountNotFound(NotFound):
    code = "Organizations.9402"

    def __init__(self, account_id: str) -> None:
        super().__init__(f"The account {account_id} does not exist.")


class HandshakeNotFound(NotFound):
    code = "Organizations.9403"

    def __init__(self, handshake_id: str) -> None:
        super().__init__(f"The invitation {handshake_id} does not exist for the caller.")


class CreateAccountStatusNotFound(NotFound):
    code = "Organizations.9404"

    def __init__(self, status_id: str) -> None:
        super().__init__(f"The create-account status {status_id} does not exist.")


class OrgUnitLimit(InvalidRequest):
    code = "Organizations.9109"


class OrgAccountNotClosable(InvalidRequest):
    code = "Organizations.9110"

    def __init__(self, account_id: str) -> None:
        super().__init__(
            f"The account {account_id} joined by invitation; only an account the organization "
            "created can be closed (remove it instead)."
        )


class OrgQuotaExceeded(InvalidRequest):
    """An organization quota (domain/quotas.py) would be exceeded."""

    what = ""

    def __init__(self, organization_id: str, quota: int, used: int) -> None:
        super().__init__(
            f"Quota exceeded for {self.what}: the organization {organization_id} may have "
            f"{quota}, and has {used}."
        )


class OrgAccountQuotaExceeded(OrgQuotaExceeded):
    """Huawei's code and message for an organization's account quota."""

    code = "Organizations.1305"
    what = "account (members and pending invitations together)"


class OrgAccountCreationQuotaExceeded(OrgQuotaExceeded):
    """CreateAccount past the accounts an organization may create in 24 hours."""

    code = "Organizations.9112"
    what = "accounts created in the last 24 hours"


class OrgUnitQuotaExceeded(OrgQuotaExceeded):
    """Huawei's code and message for an organization's OU quota."""

    code = "Organizations.1204"
    what = "organizational unit"


class HandshakeQuotaExceeded(OrgQuotaExceeded):
    code = "Organizations.9111"
    what = "pending invitation"


# Delegated administrators (services/delegation.py). Huawei documents 1002 and 1500; the
# Organizations.915x codes are ShareKeeper's, where Huawei's are not published.


class OrgNotManagementOrDelegated(InvalidRequest):
    """A read Huawei opens to delegated administrators too (401, as Huawei answers)."""

    code = "Organizations.1002"

    def __init__(self, account_id: str) -> None:
        super().__init__(
            "This operation can be called only from the management account of an organization "
            f"or by a member account that is a delegated administrator for a service (the "
            f"account {account_id} is neither).",
        )


class DelegatedAdministratorNotFound(StateConflict):
    """Huawei's code (Terraform reads it as gone on deregistering)."""

    code = "Organizations.1500"

    def __init__(self, account_id: str, service_principal: str) -> None:
        super().__init__(
            f"The delegated administrator not found: the account {account_id} is not one for "
            f"{service_principal}."
        )


class DelegatedAdministratorExists(InvalidRequest):
    code = "Organizations.9150"

    def __init__(self, account_id: str, service_principal: str) -> None:
        super().__init__(
            f"The account {account_id} is already a delegated administrator for "
            f"{service_principal}."
        )


class ManagementAccountNotDelegable(InvalidRequest):
    code = "Organizations.9151"

    def __init__(self, account_id: str) -> None:
        super().__init__(
            f"The management account {account_id} cannot be a delegated administrator: "
            "register a member account."
        )


class ServiceNotTrusted(InvalidRequest):
    code = "Organizations.9152"

    def __init__(self, service_principal: str) -> None:
        super().__init__(
            f"The service {service_principal} is not a trusted service of the organization: "
            "enable it (EnableTrustedService) before registering a delegated administrator."
        )


class DelegatedAdministratorQuotaExceeded(OrgQuotaExceeded):
    code = "Organizations.9153"
    what = "delegated administrators of one service"


# -- Organizations policies (services/policies.py). Huawei publishes no codes for these
# (docs/errors.md): ShareKeeper's own, in a range of their own.


class PolicyContentInvalid(InvalidRequest):
    code = "Organizations.9301"


class PolicyNameTaken(InvalidRequest):
    code = "Organizations.9302"

    def __init__(self, name: str) -> None:
        super().__init__(f"A policy named {name!r} already exists in the organization.")


class PolicyStillAttached(StateConflict):
    code = "Organizations.9303"

    def __init__(self, policy_id: str) -> None:
        super().__init__(
            f"The policy {policy_id} is attached to a root, OU or account; detach it first."
        )


class PolicyTypeNotEnabled(StateConflict):
    code = "Organizations.9304"

    def __init__(self, policy_type: str) -> None:
        super().__init__(f"The policy type {policy_type} is not enabled in the root.")


class PolicyAttachmentLimit(InvalidRequest):
    code = "Organizations.9305"

    def __init__(self, entity_id: str, policy_type: str, most: int) -> None:
        super().__init__(
            f"The entity {entity_id} already has {most} policies of type {policy_type}."
        )


class PolicyAlreadyAttached(StateConflict):
    code = "Organizations.9306"

    def __init__(self, policy_id: str, entity_id: str) -> None:
        super().__init__(f"The policy {policy_id} is already attached to {entity_id}.")


class SystemPolicyReadOnly(InvalidRequest):
    code = "Organizations.9307"

    def __init__(self, policy_id: str) -> None:
        super().__init__(
            f"The policy {policy_id} is a system policy: it cannot be changed, deleted, "
            "attached or detached."
        )


class EffectivePolicyUnsupported(InvalidRequest):
    code = "Organizations.9308"


class PolicyNotFound(NotFound):
    code = "Organizations.9430"

    def __init__(self, policy_id: str) -> None:
        super().__init__(f"The policy {policy_id} does not exist in the caller's organization.")


class PolicyAttachmentNotFound(NotFound):
    code = "Organizations.9431"

    def __init__(self, policy_id: str, entity_id: str) -> None:
        super().__init__(f"The policy {policy_id} is not attached to {entity_id}.")


class PolicyQuotaExceeded(OrgQuotaExceeded):
    code = "Organizations.9309"
    what = "policy (of the type)"


# --- Organizations tags and read access (branch tags; codes 9120-9129 are this area's) ---


class OrgTagLimitExceeded(InvalidRequest):
    code = "Organizations.9120"

    def __init__(self, resource_id: str, most: int, have: int) -> None:
        super().__init__(
            f"Quota exceeded for tags: the resource {resource_id} may have {most} tags, and "
            f"has {have}."
        )
