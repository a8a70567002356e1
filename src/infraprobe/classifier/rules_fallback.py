"""Structural fallbacks, tried after every wording: exception class names and unhandled-exception shapes.

A text no wording rule explains may still name its cause in the *name* of its exception class
(`OrderServiceUnavailableException`, `RedisConnectionRefusedError`), or be the unmistakable shape of an
application whose own code failed (a Go runtime panic, a server reporting that the application threw, an
exception class only a programming error raises: KeyError, NullPointerException, NullReferenceException). All of these are `weak` and come last: any wording in the same
text decides first, and a text that shows neither a cause nor a crash stays `unknown`.
"""

from __future__ import annotations

from infraprobe.classifier.model import Rule, rule
from infraprobe.taxonomy import Cause as C
from infraprobe.taxonomy import Component as K

# A class name's tail: an identifier, then Exception / Error (Java, .NET, Python, JS conventions).
_CLASS_END = r"(?:exception|error)\b"

CLASS_NAMES: tuple[Rule, ...] = (
    rule(
        "class_name_refused",
        C.CONNECTION_REFUSED,
        ("refusedexception", "refusederror"),
        r"[a-z]refused" + _CLASS_END,
        weak=True,
    ),
    rule(
        "class_name_reset",
        C.CONNECTION_RESET,
        ("resetexception", "reseterror", "connectionclosedexception", "connectionclosederror"),
        r"[a-z]reset" + _CLASS_END + r"|connectionclosed" + _CLASS_END,
        weak=True,
    ),
    rule(
        "class_name_unreachable",
        C.NETWORK_UNREACHABLE,
        ("unreachableexception", "unreachableerror", "noroutetohost"),
        r"(?<!broker)unreachable" + _CLASS_END + r"|noroutetohost",
        weak=True,
    ),
    rule(
        "class_name_auth",
        C.AUTH_FAILED,
        (
            "authenticationexception",
            "authenticationerror",
            "authenticationfailed",
            "unauthorizedexception",
            "unauthorizederror",
            "accessdenied",
            "invalidcredentials",
            "authorizationexception",
            "authorisationexception",
            "authorizationerror",
        ),
        # .NET's System.Security.Authentication.AuthenticationException is SslStream's (TLS), not a login
        r"(?<!system\.security\.authentication\.)authentication(?:failed)?"
        + _CLASS_END
        + r"|authori[sz]ation(?:failed)?"
        + _CLASS_END
        + r"|unauthorized"
        + _CLASS_END
        + r"|accessdenied(?:exception|error)?\b|invalidcredentials"
        + _CLASS_END,
        weak=True,
    ),
    rule(
        "class_name_not_found",
        C.RESOURCE_MISSING,
        ("notfoundexception", "notfounderror"),
        r"(?<!class)(?<!module)notfound" + _CLASS_END,
        weak=True,
    ),
    rule(
        "class_name_unavailable",
        C.UPSTREAM_UNAVAILABLE,
        ("unavailableexception", "unavailableerror"),
        r"[a-z]unavailable" + _CLASS_END,
        weak=True,
    ),
)

# A server reporting that the application it runs threw while handling a request: Kestrel, a servlet
# container under Spring, Go's net/http recovering a handler's panic.
SERVER_REPORTED: tuple[Rule, ...] = (
    rule(
        "server_reports_app_exception",
        C.APP_ERROR,
        (
            "an unhandled exception was thrown by the application",
            "an unhandled exception has occurred while executing the request",
            "request processing failed",
            "nestedservletexception",
            "http: panic serving",
        ),
        # Spring nests the failing call after its wrapper: a database connection that failed for no stated
        # reason is not the application's own error (and stays unknown), so look a bounded way ahead
        r"an unhandled exception (?:was thrown by the application|has occurred while executing the request)"
        r"|(?:request processing failed|nestedservletexception)(?![\s\S]{0,600}?(?:jdbc|connection|\bsocket))"
        r"|\bhttp: panic serving ",
        component=K.HTTP,
        weak=True,
    ),
)

# The application itself crashed: runtimes' own banners, and exception classes that only mean a bug.
UNHANDLED: tuple[Rule, ...] = (
    rule(
        "unhandled_exception",
        C.APP_ERROR,
        (
            "panic: runtime error",
            "fatal error: concurrent map",
            "fatal error: all goroutines are asleep",
            "has exited from program.main with exit code",
            "runtime.importmoduleerror",
            "runtime.handlernotfound",
            "runtime.usercodesyntaxerror",
            "runtime exited with error: exit status",
            "missing on module",
            "keyerror",
            "attributeerror",
            "nameerror",
            "indexerror",
            "zerodivisionerror",
            "unboundlocalerror",
            "recursionerror",
            "modulenotfounderror",
            "classnotfoundexception",
            "noclassdeffounderror",
            "nullpointerexception",
            "nullreferenceexception",
            "illegalstateexception",
            "illegalargumentexception",
            "classcastexception",
            "indexoutofboundsexception",
            "arithmeticexception",
            "numberformatexception",
            "invalidoperationexception",
            "argumentnullexception",
            "argumentoutofrangeexception",
            "keynotfoundexception",
            "invalidcastexception",
            "nomethoderror",
            "cannot read propert",
            "is not a function",
            "call to a member function",
            "call to undefined function",
            "undefined method",
        ),
        # Go's runtime errors; IIS's ASP.NET Core module and Lambda's init reporting that the application's own
        # code failed. An uncaught exception of any other class is not enough: `Exception in thread "main"
        # ...PoolInitializationException: The connection attempt failed` names no cause and stays unknown.
        r"\bpanic: runtime error: |\bfatal error: (?:concurrent map|all goroutines are asleep)"
        r"|has exited from program\.main with exit code"
        r"|runtime\.(?:importmoduleerror|handlernotfound|usercodesyntaxerror)"
        # the runtime process exited on its own (a crash); killed by a signal (`signal: alarm clock`) says nothing
        r"|runtime exited with error: exit status \d"
        r"|\bhandler '[^'\n]{1,100}' missing on module '"  # Lambda's older Python runtime: HandlerNotFound
        # exception classes only a programming error raises (Python, Java, .NET, Ruby)
        r"|\b(?:keyerror|attributeerror|nameerror|indexerror|zerodivisionerror|unboundlocalerror|recursionerror"
        r"|modulenotfounderror|nomethoderror|classnotfoundexception|noclassdeffounderror)\b"
        r"|\b(?:nullpointer|nullreference|illegalstate|illegalargument|classcast|(?:array)?indexoutofbounds"
        r"|arithmetic|numberformat|invalidoperation|argumentnull|argumentoutofrange|keynotfound|invalidcast)exception\b"
        # the messages of JavaScript's, PHP's and Ruby's programming errors
        r"|cannot read propert(?:y|ies) of (?:undefined|null)|\bis not a function\b|call to a member function \w"
        r"|call to undefined function|undefined method `",
        weak=True,
    ),
)
