"""The one table from the exception tree to AWS's error names and statuses, and the one
renderer, in the shape of each protocol (docs/aws.md, "Errors"):

- restJson1 (RAM): the name in the ``x-amzn-ErrorType`` header, body ``{"message": ...}``
- awsJson1_1 (Organizations): body ``{"__type": name, "message": ...}``
- awsQuery (STS, IAM): ``<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>``,
  in the service's XML namespace
"""

from __future__ import annotations

from enum import Enum
from xml.sax.saxutils import escape

import msgspec

from sharekeeper.api.errors import Shape, Shaped
from sharekeeper.domain.errors import (
    ApiNotFound,
    AuthenticationFailed,
    CannotLeaveShare,
    ConcurrentChange,
    CreateAccountStatusNotFound,
    DefaultVersionStays,
    ExternalPrincipalNotAllowed,
    Forbidden,
    HandshakeAlreadyPending,
    HandshakeCancelled,
    HandshakeNotFound,
    HandshakeNotPending,
    HandshakeQuotaExceeded,
    HeadersTooLarge,
    IdempotentParameterMismatch,
    InvalidRequest,
    InvitationAlreadyAccepted,
    InvitationAlreadyRejected,
    InvitationExpired,
    InvitationNotFound,
    InvitationWithdrawn,
    LimitExceeded,
    MalformedIdentifier,
    MalformedPolicyTemplate,
    ManagementAccountStays,
    NoOrganization,
    NotCreatedFromPolicy,
    NotFound,
    NotManagementAccount,
    OperationNotServed,
    OrgAccountAlreadyMember,
    OrgAccountNotClosable,
    OrgAccountNotFound,
    OrgAccountQuotaExceeded,
    OrganizationNotEmpty,
    OrganizationNotFound,
    OrganizationSharingDisabled,
    OrgEntityNotFound,
    OrgNotManagementAccount,
    OrgNotManagementOrDelegated,
    OrgQuotaExceeded,
    OrgTagLimitExceeded,
    OrgUnitLimit,
    OrgUnitNameTaken,
    OrgUnitNotEmpty,
    PermissionDeprecated,
    PermissionInUse,
    PermissionLimit,
    PermissionNameTaken,
    PermissionNotAssociated,
    PermissionNotCustomerManaged,
    PermissionVersionLimit,
    QuotaExceeded,
    RequestTimeout,
    RequestTooLarge,
    ResourceShareNotActive,
    ServiceBusy,
    ServiceRoleInUse,
    ServiceRoleNotFound,
    ShareKeeperError,
    SignatureExpired,
    SignatureMismatch,
    SignatureMissing,
    StateConflict,
    TooManyRequests,
    TotalQuotaExceeded,
    TrustedServiceDisabled,
    UnknownAccessKey,
)
from sharekeeper.logs import printable


class Protocol(Enum):
    REST_JSON = "restJson1"
    JSON = "awsJson1_1"
    QUERY = "awsQuery"


# (error, RAM's and Organizations' name, STS's name, status). First match wins: a subclass
# before its base. STS names the signature's failures as its own model does.
TABLE: tuple[tuple[type[ShareKeeperError], str, str, int], ...] = (
    (SignatureMissing, "MissingAuthenticationTokenException", "MissingAuthenticationToken", 403),
    (SignatureExpired, "InvalidSignatureException", "SignatureDoesNotMatch", 403),
    (SignatureMismatch, "InvalidSignatureException", "SignatureDoesNotMatch", 403),
    (UnknownAccessKey, "UnrecognizedClientException", "InvalidClientTokenId", 403),
    # A revoked key, a wrong or missing session token, expired temporary credentials.
    (AuthenticationFailed, "UnrecognizedClientException", "InvalidClientTokenId", 403),
    (Forbidden, "AccessDeniedException", "AccessDenied", 403),
    (OperationNotServed, "UnsupportedOperation", "UnsupportedOperation", 400),
    (ApiNotFound, "UnknownOperationException", "InvalidAction", 404),
    (MalformedIdentifier, "MalformedArnException", "ValidationError", 400),
    (IdempotentParameterMismatch, "IdempotentParameterMismatchException", "", 400),
    (MalformedPolicyTemplate, "MalformedPolicyTemplateException", "", 400),
    (PermissionNameTaken, "PermissionAlreadyExistsException", "", 400),
    (PermissionVersionLimit, "PermissionVersionsLimitExceededException", "", 400),
    (PermissionLimit, "PermissionLimitExceededException", "", 400),
    (DefaultVersionStays, "OperationNotPermittedException", "", 400),
    (NotCreatedFromPolicy, "OperationNotPermittedException", "", 400),
    (PermissionInUse, "OperationNotPermittedException", "", 400),
    (PermissionDeprecated, "OperationNotPermittedException", "", 400),
    (PermissionNotCustomerManaged, "OperationNotPermittedException", "", 400),
    (InvitationAlreadyAccepted, "ResourceShareInvitationAlreadyAcceptedException", "", 400),
    (InvitationAlreadyRejected, "ResourceShareInvitationAlreadyRejectedException", "", 400),
    (InvitationExpired, "ResourceShareInvitationExpiredException", "", 400),
    (InvitationWithdrawn, "ResourceShareInvitationExpiredException", "", 400),
    (InvitationNotFound, "ResourceShareInvitationArnNotFoundException", "", 400),
    (QuotaExceeded, "ResourceShareLimitExceededException", "", 400),
    (TotalQuotaExceeded, "ResourceShareLimitExceededException", "", 400),
    (ExternalPrincipalNotAllowed, "OperationNotPermittedException", "", 400),
    (NotManagementAccount, "OperationNotPermittedException", "", 400),
    (NoOrganization, "OperationNotPermittedException", "", 400),
    (OrganizationSharingDisabled, "OperationNotPermittedException", "", 400),
    (CannotLeaveShare, "OperationNotPermittedException", "", 400),
    (PermissionNotAssociated, "InvalidParameterException", "", 400),
    (ResourceShareNotActive, "InvalidStateTransitionException", "", 400),
    (ConcurrentChange, "InvalidStateTransitionException", "", 400),
    (StateConflict, "InvalidStateTransitionException", "", 400),
    (NotFound, "UnknownResourceException", "", 400),
    (TooManyRequests, "ThrottlingException", "Throttling", 429),
    (ServiceBusy, "ServiceUnavailableException", "ServiceUnavailable", 503),
    # The body's and the head's limits: the client's to fix, with the status Huawei's
    # answers and HTTP give them (API Gateway answers 413 for a body too large).
    (RequestTooLarge, "RequestEntityTooLargeException", "RequestEntityTooLarge", 413),
    (HeadersTooLarge, "RequestHeaderFieldsTooLargeException", "RequestHeaderFieldsTooLarge", 431),
    (RequestTimeout, "RequestTimeoutException", "RequestTimeout", 408),
    (LimitExceeded, "ServiceUnavailableException", "ServiceUnavailable", 503),
    (InvalidRequest, "InvalidParameterException", "ValidationError", 400),
    (ShareKeeperError, "ServerInternalException", "InternalFailure", 500),
)

# AWS Organizations' own names (awsJson1_1), looked up before TABLE for that protocol only:
# the directory's errors (Huawei's Organizations.* codes) as AWS Organizations names them.
ORGANIZATIONS_TABLE: tuple[tuple[type[ShareKeeperError], str], ...] = (
    (OrganizationNotFound, "AWSOrganizationsNotInUseException"),
    (OrgNotManagementAccount, "AccessDeniedException"),
    (OrgNotManagementOrDelegated, "AccessDeniedException"),
    (OrgAccountAlreadyMember, "AlreadyInOrganizationException"),
    (OrganizationNotEmpty, "OrganizationNotEmptyException"),
    (OrgUnitNotEmpty, "OrganizationalUnitNotEmptyException"),
    (OrgUnitNameTaken, "DuplicateOrganizationalUnitException"),
    (HandshakeAlreadyPending, "DuplicateHandshakeException"),
    (HandshakeQuotaExceeded, "HandshakeConstraintViolationException"),
    (OrgAccountQuotaExceeded, "HandshakeConstraintViolationException"),
    (OrgQuotaExceeded, "ConstraintViolationException"),
    (OrgUnitLimit, "ConstraintViolationException"),
    (OrgTagLimitExceeded, "ConstraintViolationException"),
    # CloseAccount of an invited account: the directory closes only those it created.
    (OrgAccountNotClosable, "ConstraintViolationException"),
    (HandshakeCancelled, "InvalidHandshakeTransitionException"),
    (HandshakeNotPending, "InvalidHandshakeTransitionException"),
    (HandshakeNotFound, "HandshakeNotFoundException"),
    (ManagementAccountStays, "MasterCannotLeaveOrganizationException"),
    (OrgAccountNotFound, "AccountNotFoundException"),
    (CreateAccountStatusNotFound, "CreateAccountStatusNotFoundException"),
    (OrgEntityNotFound, "AccountNotFoundException"),  # an OU's or a parent's: _entity_name
    (TrustedServiceDisabled, "InvalidInputException"),
    (NotFound, "TargetNotFoundException"),
    (StateConflict, "ConcurrentModificationException"),
    (InvalidRequest, "InvalidInputException"),
)

# IAM's own names and statuses (awsQuery), looked up before TABLE for IAM only.
IAM_TABLE: tuple[tuple[type[ShareKeeperError], str, int], ...] = (
    (ServiceRoleNotFound, "NoSuchEntity", 404),
    (ServiceRoleInUse, "DeleteConflict", 409),
)
STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
IAM_NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"
_found: dict[tuple[type[ShareKeeperError], Protocol, bool], tuple[str, int]] = {}


def name_and_status(
    kind: type[ShareKeeperError], protocol: Protocol, iam: bool = False
) -> tuple[str, int]:
    entry = _found.get((kind, protocol, iam))
    if entry is None:
        json_name, query_name, status = next(
            (j, q, s) for base, j, q, s in TABLE if issubclass(kind, base)
        )
        name = query_name or json_name if protocol is Protocol.QUERY else json_name
        if protocol is Protocol.JSON and status < 500:
            name = next((n for base, n in ORGANIZATIONS_TABLE if issubclass(kind, base)), name)
        if iam:
            name, status = next(
                ((n, st) for base, n, st in IAM_TABLE if issubclass(kind, base)), (name, status)
            )
        entry = _found[(kind, protocol, iam)] = (name, status)
    return entry


def _entity_name(error: OrgEntityNotFound) -> str:
    """AWS names a missing entity by its kind, which its id tells."""
    if error.entity_id.startswith("ou-"):
        return "OrganizationalUnitNotFoundException"
    if error.entity_id.startswith("r-"):
        return "ParentNotFoundException"
    return "AccountNotFoundException"


def message_of(error: ShareKeeperError) -> str:
    """What the caller reads: a refused signature's reason without Huawei's gateway wording."""
    return error.reason if isinstance(error, AuthenticationFailed) else error.message


class _JsonError(msgspec.Struct):
    message: str


class _TypedError(msgspec.Struct):
    type: str = msgspec.field(name="__type")
    message: str = ""


_encode = msgspec.json.Encoder().encode


def render(
    error: ShareKeeperError, protocol: Protocol, request_id: str, namespace: str = STS_NAMESPACE
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (the content type among them) and body of an error's answer;
    ``namespace``: an awsQuery service's (IAM's names and statuses are its own)."""
    iam = protocol is Protocol.QUERY and namespace == IAM_NAMESPACE
    name, status = name_and_status(type(error), protocol, iam)
    if protocol is Protocol.JSON and isinstance(error, OrgEntityNotFound):
        name = _entity_name(error)
    message = message_of(error)
    headers = {"x-amzn-RequestId": request_id, **error.headers()}
    if protocol is Protocol.QUERY:
        # XML 1.0 has no escape for control characters, and a message may quote the caller's
        # input (an Action): written out, the answer stays a document every parser reads.
        body = (
            f'<ErrorResponse xmlns="{namespace}"><Error>'
            f"<Type>{'Receiver' if status >= 500 else 'Sender'}</Type>"
            f"<Code>{escape(name)}</Code><Message>{escape(printable(message))}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return status, {**headers, "content-type": "text/xml"}, body.encode()
    if protocol is Protocol.JSON:
        typed = _encode(_TypedError(name, message))
        return status, {**headers, "content-type": "application/x-amz-json-1.1"}, typed
    headers.update({"x-amzn-ErrorType": name, "content-type": "application/json"})
    return status, headers, _encode(_JsonError(message))


def shape(protocol: Protocol, namespace: str = STS_NAMESPACE) -> Shape:
    """``render`` as api/errors.py's ``render_error`` takes it: AWS's status, body and headers
    for the protocol, whatever status the Huawei table gives."""

    def shaped(status: int, error: ShareKeeperError, request_id: str) -> Shaped:
        aws_status, headers, body = render(error, protocol, request_id, namespace)
        media_type = headers.pop("content-type")
        return Shaped(aws_status, media_type, body, tuple(headers.items()))

    return shaped
