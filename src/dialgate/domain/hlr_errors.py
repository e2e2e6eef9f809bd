"""Why an HLR lookup failed, as typed errors that carry their own retry decision.

Providers (adapters/hlr) raise these; the roaming service (services/roaming.py) reads `retryable` to decide
whether to ask again, `provider_fault` to decide whether the failure counts against the provider's circuit
breaker, and `kind` to label metrics and the message the rule shows. No error ever escapes the service: a
failed lookup becomes RoamingState.UNKNOWN carrying the error's text.

| kind              | error                       | raised when                                        | retry? | breaker? |
|-------------------|-----------------------------|----------------------------------------------------|--------|----------|
| `timeout`         | HlrTimeoutError             | no answer within `hlr.timeout_ms`                  | yes    | yes      |
| `unavailable`     | HlrUnavailableError         | connection refused, reset or closed mid-answer     | yes    | yes      |
| `server`          | HlrServerError              | HTTP 5xx                                           | yes    | yes      |
| `rate-limited`    | HlrRateLimitedError         | HTTP 429 (with or without Retry-After)             | yes ¹  | no ²     |
| `malformed`       | HlrMalformedResponseError   | the body is not JSON, or lacks the lookup result   | no ³   | yes      |
| `wrong-number`    | HlrWrongNumberError         | the answer is about another number                 | no ⁴   | yes      |
| `unknown-country` | HlrUnknownCountryError      | the roaming country is a code no country has       | no     | no       |
| `auth`            | HlrAuthError                | HTTP 401/403: key missing, wrong or expired        | no ⁵   | yes      |
| `unknown-number`  | HlrUnknownNumberError       | the network says the number does not exist         | no     | no       |
| `rejected`        | HlrRequestRejectedError     | any other HTTP 4xx: the request itself is wrong    | no     | no       |
| `circuit-open`    | HlrCircuitOpenError         | the breaker is open: the provider was not asked    | no     | —        |
| `budget`          | HlrBudgetExceededError      | the caller's time budget ran out first             | no     | —        |

1. After Retry-After (or the backoff, whichever is longer), and only when Retry-After is at most
   `hlr.retry_after_max_seconds`; the wait also pauses every other lookup to that provider.
2. A 429 says we asked too fast, not that the provider is broken; the pause above is the remedy.
3. HLR lookups are billed per answer: a body we cannot read was still an answer, and asking again mostly
   pays for the same defect. Repeated garbage opens the breaker instead.
4. An answer about another number means the provider mixed up requests: nothing in it may be used or
   cached, and a repeat cannot be trusted more than the first answer.
5. Credentials do not heal by waiting; the breaker stops the retries from hammering the provider.
"""

from __future__ import annotations

from typing import ClassVar

from dialgate.errors import DialgateError


class HlrError(DialgateError):
    """Root of the HLR lookup failures. Class attributes hold the decision for the whole kind."""

    code = "hlr_lookup_failed"
    http_status = 502
    exit_code = 3
    title = "Roaming lookup failed"
    kind: ClassVar[str] = "error"
    retryable: ClassVar[bool] = False
    provider_fault: ClassVar[bool] = True

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def describe(self) -> str:
        """One line for a reason's message: the kind first, so a person can tell the failures apart."""
        return f"{self.kind}: {self.message}"


class HlrTimeoutError(HlrError):
    code = "hlr_timeout"
    http_status = 504
    kind = "timeout"
    retryable = True


class HlrUnavailableError(HlrError):
    code = "hlr_unavailable"
    http_status = 503
    kind = "unavailable"
    retryable = True


class HlrServerError(HlrError):
    code = "hlr_server_error"
    kind = "server"
    retryable = True


class HlrRateLimitedError(HlrError):
    code = "hlr_rate_limited"
    http_status = 503
    kind = "rate-limited"
    retryable = True
    provider_fault = False


class HlrMalformedResponseError(HlrError):
    code = "hlr_malformed_response"
    kind = "malformed"


class HlrWrongNumberError(HlrError):
    code = "hlr_wrong_number"
    kind = "wrong-number"


class HlrUnknownCountryError(HlrError):
    code = "hlr_unknown_country"
    kind = "unknown-country"
    provider_fault = False


class HlrAuthError(HlrError):
    code = "hlr_auth_failed"
    kind = "auth"


class HlrUnknownNumberError(HlrError):
    code = "hlr_unknown_number"
    kind = "unknown-number"
    provider_fault = False


class HlrRequestRejectedError(HlrError):
    code = "hlr_request_rejected"
    kind = "rejected"
    provider_fault = False


class HlrCircuitOpenError(HlrError):
    code = "hlr_circuit_open"
    http_status = 503
    kind = "circuit-open"
    provider_fault = False


class HlrBudgetExceededError(HlrError):
    code = "hlr_budget_exceeded"
    http_status = 504
    kind = "budget"
    provider_fault = False


# Every kind, for tests and for documentation that lists them.
ALL_KINDS: tuple[type[HlrError], ...] = (
    HlrTimeoutError,
    HlrUnavailableError,
    HlrServerError,
    HlrRateLimitedError,
    HlrMalformedResponseError,
    HlrWrongNumberError,
    HlrUnknownCountryError,
    HlrAuthError,
    HlrUnknownNumberError,
    HlrRequestRejectedError,
    HlrCircuitOpenError,
    HlrBudgetExceededError,
)
