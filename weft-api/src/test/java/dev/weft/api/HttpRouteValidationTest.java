package dev.weft.api;

import static dev.weft.api.Loads.PARENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every HTTPRoute validation rule: given a spec, the one problem reported, with its field path. */
class HttpRouteValidationTest {

    private static final String BACKEND = "backendRefs: [{name: reviews-v1, port: 9080}]\n";

    static Stream<Arguments> invalidSpecs() {
        return Stream.of(
                arguments("weight out of range", PARENT + """
                        rules:
                        - backendRefs:
                          - {name: reviews-v1, port: 9080}
                          - {name: reviews-v2, port: 9080, weight: -5}
                        """, "spec.rules[0].backendRefs[1].weight: must be between 0 and 1000000, got -5"),
                arguments("weight not an integer", PARENT + """
                        rules: [{backendRefs: [{name: a, port: 80, weight: "10"}]}]
                        """, "spec.rules[0].backendRefs[0].weight: must be an integer, got string \"10\""),
                arguments("unknown field", PARENT + """
                        rules: [{timeout: 10s}]
                        """, "spec.rules[0].timeout: unknown field; expected one of: name, matches, filters, "
                        + "backendRefs, timeouts, retry"),
                arguments("rules not a list", PARENT + "rules: {}\n", "spec.rules: must be a list, got an object"),
                arguments("rule not an object", PARENT + "rules: [x]\n",
                        "spec.rules[0]: must be an object, got string \"x\""),
                arguments("no parentRefs", "rules: []\n",
                        "spec.parentRefs: is required: at least one Service whose traffic the route configures"),
                arguments("parentRef without group and kind", "parentRefs: [{name: reviews}]\n",
                        "spec.parentRefs[0]: must set group: \"\" and kind: Service; Weft routes attach to Services "
                        + "(GAMMA), and a parentRef without them means a Gateway"),
                arguments("parentRef to a Gateway", "parentRefs: [{group: \"\", kind: Gateway, name: gw}]\n",
                        "spec.parentRefs[0].kind: must be Service (Weft routes attach to Services, GAMMA), got \"Gateway\""),
                arguments("parentRef in the gateway group", "parentRefs: [{kind: Service, name: reviews}]\n",
                        "spec.parentRefs[0].group: must be \"\" (or \"core\") for a Service, got "
                        + "\"gateway.networking.k8s.io\" (the default)"),
                arguments("duplicate parentRef", "parentRefs: [{group: \"\", kind: Service, name: a}, "
                        + "{group: core, kind: Service, name: a}]\n",
                        "spec.parentRefs[1]: duplicate of parentRefs[0]; refs to one Service must differ in "
                        + "sectionName or port"),
                arguments("parentRef port", "parentRefs: [{group: \"\", kind: Service, name: a, port: 0}]\n",
                        "spec.parentRefs[0].port: must be between 1 and 65535, got 0"),
                arguments("parentRef name", "parentRefs: [{group: \"\", kind: Service, name: Reviews}]\n",
                        "spec.parentRefs[0].name: must be a lowercase RFC 1123 name (a-z, 0-9, '-' and '.', starting "
                        + "and ending with a letter or digit, at most 253 characters), got \"Reviews\""),
                arguments("empty parentRefs", "parentRefs: []\n",
                        "spec.parentRefs: is required: at least one Service whose traffic the route configures"),
                arguments("parentRef sectionName", "parentRefs: [{group: \"\", kind: Service, name: a, "
                        + "sectionName: HTTP}]\n", "spec.parentRefs[0].sectionName: must be a lowercase RFC 1123 name "
                        + "(a-z, 0-9, '-' and '.', starting and ending with a letter or digit, at most 253 characters), "
                        + "got \"HTTP\""),
                arguments("hostname not a string", PARENT + "hostnames: [1]\n",
                        "spec.hostnames[0]: must be a string, got number 1"),
                arguments("hostname is an IP", PARENT + "hostnames: [\"10.0.0.1\"]\n",
                        "spec.hostnames[0]: must be a lowercase DNS hostname (optionally starting with \"*.\"), not an "
                        + "IP address, got \"10.0.0.1\""),
                arguments("too many hostnames", PARENT + "hostnames: [" + "a,".repeat(16) + "b]\n",
                        "spec.hostnames: must have at most 16 items, got 17"),
                arguments("too many rules", PARENT + "rules: [" + "{},".repeat(16) + "{}]\n",
                        "spec.rules: must have at most 16 items, got 17"),
                arguments("too many matches in a route", PARENT + "rules:\n"
                        + ("- matches: [" + "{},".repeat(63) + "{}]\n").repeat(3),
                        "spec.rules: must have at most 128 matches across all rules, got 192"),
                arguments("duplicate rule names", PARENT + "rules: [{name: a}, {name: a}]\n",
                        "spec.rules[1].name: duplicate name \"a\" (also rules[0])"),
                arguments("rule name", PARENT + "rules: [{name: Chat}]\n",
                        "spec.rules[0].name: must be a lowercase RFC 1123 name (a-z, 0-9, '-' and '.', starting and "
                        + "ending with a letter or digit, at most 253 characters), got \"Chat\""),
                arguments("path too long", PARENT + "rules: [{matches: [{path: {value: /" + "a".repeat(1024) + "}}]}]\n",
                        "spec.rules[0].matches[0].path.value: must be at most 1024 characters, got 1025"),
                arguments("path not absolute", PARENT + "rules: [{matches: [{path: {type: Exact, value: api}}]}]\n",
                        "spec.rules[0].matches[0].path.value: must be an absolute path starting with '/', got \"api\""),
                arguments("path with //", PARENT + "rules: [{matches: [{path: {value: /a//b}}]}]\n",
                        "spec.rules[0].matches[0].path.value: must not contain '//', got \"/a//b\""),
                arguments("path with a space", PARENT + "rules: [{matches: [{path: {value: /a b}}]}]\n",
                        "spec.rules[0].matches[0].path.value: must only contain URL path characters (RFC 3986, '%' "
                        + "only as %XX), got \"/a b\""),
                arguments("path type", PARENT + "rules: [{matches: [{path: {type: Prefix, value: /}}]}]\n",
                        "spec.rules[0].matches[0].path.type: must be one of Exact, PathPrefix, RegularExpression, "
                        + "got \"Prefix\""),
                arguments("bad path regex", PARENT
                        + "rules: [{matches: [{path: {type: RegularExpression, value: \"/v(1\"}}]}]\n",
                        "spec.rules[0].matches[0].path.value: must be a valid regular expression: Unclosed group "
                        + "near index 4 of \"/v(1\""),
                arguments("regex outside RE2", PARENT
                        + "rules: [{matches: [{path: {type: RegularExpression, value: \"/(?!admin).*\"}}]}]\n",
                        "spec.rules[0].matches[0].path.value: uses a lookaround, which RE2 does not support: "
                        + "\"/(?!admin).*\""),
                arguments("header name", PARENT + "rules: [{matches: [{headers: [{name: \"x:a\", value: b}]}]}]\n",
                        "spec.rules[0].matches[0].headers[0].name: must be an HTTP header name (RFC 7230 token "
                        + "characters, at most 256), got \"x:a\""),
                arguments("header value", PARENT + "rules: [{matches: [{headers: [{name: x, value: \"a\\nb\"}]}]}]\n",
                        "spec.rules[0].matches[0].headers[0].value: must be 1 to 4096 printable US-ASCII characters, "
                        + "optionally separated by single spaces, got \"a\nb\""),
                arguments("header value missing", PARENT + "rules: [{matches: [{headers: [{name: x}]}]}]\n",
                        "spec.rules[0].matches[0].headers[0].value: is required"),
                arguments("duplicate header names", PARENT
                        + "rules: [{matches: [{headers: [{name: X-A, value: b}, {name: x-a, value: c}]}]}]\n",
                        "spec.rules[0].matches[0].headers[1].name: duplicate name \"x-a\" (also headers[0])"),
                arguments("duplicate query params", PARENT
                        + "rules: [{matches: [{queryParams: [{name: q, value: b}, {name: q, value: c}]}]}]\n",
                        "spec.rules[0].matches[0].queryParams[1].name: duplicate name \"q\" (also queryParams[0])"),
                arguments("query param regex", PARENT
                        + "rules: [{matches: [{queryParams: [{type: RegularExpression, name: q, value: \"[\"}]}]}]\n",
                        "spec.rules[0].matches[0].queryParams[0].value: must be a valid regular expression: "
                        + "Unclosed character class near index 0 of \"[\""),
                arguments("query param value too long", PARENT
                        + "rules: [{matches: [{queryParams: [{name: q, value: " + "v".repeat(1025) + "}]}]}]\n",
                        "spec.rules[0].matches[0].queryParams[0].value: must be 1 to 1024 characters, got 1025"),
                arguments("method", PARENT + "rules: [{matches: [{method: get}]}]\n",
                        "spec.rules[0].matches[0].method: must be one of GET, HEAD, POST, PUT, DELETE, CONNECT, "
                        + "OPTIONS, TRACE, PATCH, got \"get\""),
                arguments("filter without type", PARENT + "rules: [{filters: [{}]}]\n",
                        "spec.rules[0].filters[0].type: is required"),
                arguments("unsupported filter type", PARENT
                        + "rules: [{filters: [{type: ExtensionRef}]}]\n",
                        "spec.rules[0].filters[0].type: filter type \"ExtensionRef\" is not supported; supported: "
                        + "RequestHeaderModifier, ResponseHeaderModifier, RequestMirror, RequestRedirect, URLRewrite"),
                arguments("unknown filter type", PARENT + "rules: [{filters: [{type: Rewrite}]}]\n",
                        "spec.rules[0].filters[0].type: must be one of RequestHeaderModifier, ResponseHeaderModifier, "
                        + "RequestMirror, RequestRedirect, URLRewrite, got \"Rewrite\""),
                arguments("filter config missing", PARENT + "rules: [{filters: [{type: URLRewrite}]}]\n",
                        "spec.rules[0].filters[0].urlRewrite: is required when type is URLRewrite"),
                arguments("filter config of another type", PARENT + """
                        rules:
                        - filters:
                          - type: URLRewrite
                            urlRewrite: {hostname: a.example}
                            requestRedirect: {hostname: b.example}
                        """, "spec.rules[0].filters[0].requestRedirect: must not be set when type is URLRewrite"),
                arguments("repeated filter", PARENT + """
                        rules:
                        - filters:
                          - {type: RequestHeaderModifier, requestHeaderModifier: {remove: [a]}}
                          - {type: RequestHeaderModifier, requestHeaderModifier: {remove: [b]}}
                        """, "spec.rules[0].filters[1].type: RequestHeaderModifier may appear only once in a filter "
                        + "list (first at filters[0])"),
                arguments("redirect with rewrite", PARENT + """
                        rules:
                        - filters:
                          - {type: URLRewrite, urlRewrite: {hostname: a.example}}
                          - {type: RequestRedirect, requestRedirect: {hostname: b.example}}
                        """, "spec.rules[0].filters[1]: RequestRedirect and URLRewrite cannot be combined"),
                arguments("redirect with backends", PARENT + """
                        rules:
                        - filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}]
                        """ + BACKEND.indent(2), "spec.rules[0].filters[0]: RequestRedirect answers the request "
                        + "itself, so the rule must not have backendRefs"),
                arguments("replacePrefixMatch without a prefix match", PARENT + """
                        rules:
                        - matches: [{path: {type: Exact, value: /a}}]
                          filters:
                          - type: URLRewrite
                            urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /b}}
                        """, "spec.rules[0].filters[0].urlRewrite.path: ReplacePrefixMatch needs the rule to have "
                        + "exactly one match, of type PathPrefix"),
                arguments("replacePrefixMatch in a backend filter with two matches", PARENT + """
                        rules:
                        - matches: [{path: {value: /a}}, {path: {value: /b}}]
                          backendRefs:
                          - name: a
                            port: 80
                            filters:
                            - type: RequestRedirect
                              requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /c}}
                        """, "spec.rules[0].backendRefs[0].filters[0].requestRedirect.path: ReplacePrefixMatch needs "
                        + "the rule to have exactly one match, of type PathPrefix"),
                arguments("two actions on one header", PARENT + """
                        rules:
                        - filters:
                          - type: RequestHeaderModifier
                            requestHeaderModifier:
                              set: [{name: X-Model, value: a}]
                              remove: [x-model]
                        """, "spec.rules[0].filters[0].requestHeaderModifier.remove[0]: header \"x-model\" already has "
                        + "an action at set[0]; each header name may have one action"),
                arguments("removed header name", PARENT + """
                        rules:
                        - filters:
                          - {type: ResponseHeaderModifier, responseHeaderModifier: {remove: ["bad header"]}}
                        """, "spec.rules[0].filters[0].responseHeaderModifier.remove[0]: must be an HTTP header name "
                        + "(RFC 7230 token characters, at most 256), got \"bad header\""),
                arguments("redirect scheme", PARENT
                        + "rules: [{filters: [{type: RequestRedirect, requestRedirect: {scheme: ftp}}]}]\n",
                        "spec.rules[0].filters[0].requestRedirect.scheme: must be one of http, https, got \"ftp\""),
                arguments("redirect status code", PARENT
                        + "rules: [{filters: [{type: RequestRedirect, requestRedirect: {statusCode: 304}}]}]\n",
                        "spec.rules[0].filters[0].requestRedirect.statusCode: must be one of 301, 302, 303, 307, 308, "
                        + "got 304"),
                arguments("redirect hostname is precise", PARENT
                        + "rules: [{filters: [{type: RequestRedirect, requestRedirect: {hostname: \"*.a.example\"}}]}]\n",
                        "spec.rules[0].filters[0].requestRedirect.hostname: must be a lowercase DNS hostname, not an "
                        + "IP address, got \"*.a.example\""),
                arguments("path modifier without type", PARENT
                        + "rules: [{filters: [{type: URLRewrite, urlRewrite: {path: {replaceFullPath: /a}}}]}]\n",
                        "spec.rules[0].filters[0].urlRewrite.path.type: is required"),
                arguments("path modifier value missing", PARENT
                        + "rules: [{filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath}}}]}]\n",
                        "spec.rules[0].filters[0].urlRewrite.path.replaceFullPath: is required when type is "
                        + "ReplaceFullPath"),
                arguments("path modifier value of the other type", PARENT + """
                        rules:
                        - filters:
                          - type: URLRewrite
                            urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /a, replacePrefixMatch: /b}}
                        """, "spec.rules[0].filters[0].urlRewrite.path.replacePrefixMatch: must not be set when type "
                        + "is ReplaceFullPath"),
                arguments("mirror percent", PARENT + """
                        rules:
                        - filters: [{type: RequestMirror, requestMirror: {backendRef: {name: s, port: 80}, percent: 101}}]
                        """, "spec.rules[0].filters[0].requestMirror.percent: must be between 0 and 100, got 101"),
                arguments("mirror percent and fraction", PARENT + """
                        rules:
                        - filters:
                          - type: RequestMirror
                            requestMirror: {backendRef: {name: s, port: 80}, percent: 1, fraction: {numerator: 1}}
                        """, "spec.rules[0].filters[0].requestMirror.fraction: must not be set together with percent"),
                arguments("mirror fraction above one", PARENT + """
                        rules:
                        - filters:
                          - type: RequestMirror
                            requestMirror: {backendRef: {name: s, port: 80}, fraction: {numerator: 3, denominator: 2}}
                        """, "spec.rules[0].filters[0].requestMirror.fraction.numerator: must be at most the "
                        + "denominator (2), got 3"),
                arguments("mirror without backend", PARENT
                        + "rules: [{filters: [{type: RequestMirror, requestMirror: {percent: 5}}]}]\n",
                        "spec.rules[0].filters[0].requestMirror.backendRef: is required"),
                arguments("mirror fraction denominator", PARENT + """
                        rules:
                        - filters:
                          - type: RequestMirror
                            requestMirror: {backendRef: {name: s, port: 80}, fraction: {numerator: 0, denominator: 0}}
                        """, "spec.rules[0].filters[0].requestMirror.fraction.denominator: must be at least 1, got 0"),
                arguments("backend without port", PARENT + "rules: [{backendRefs: [{name: a}]}]\n",
                        "spec.rules[0].backendRefs[0].port: is required"),
                arguments("backend kind", PARENT + "rules: [{backendRefs: [{kind: Pod, name: a, port: 80}]}]\n",
                        "spec.rules[0].backendRefs[0].kind: must be Service, or Subset with group weft.dev, got \"Pod\""),
                arguments("backend service group", PARENT
                        + "rules: [{backendRefs: [{group: weft.dev, name: a, port: 80}]}]\n",
                        "spec.rules[0].backendRefs[0].group: must be \"\" (or \"core\") for a Service, got \"weft.dev\""),
                arguments("backend subset group", PARENT
                        + "rules: [{backendRefs: [{kind: Subset, name: a-v2, port: 80}]}]\n",
                        "spec.rules[0].backendRefs[0].group: must be weft.dev for a Subset, got \"\""),
                arguments("backend namespace", PARENT
                        + "rules: [{backendRefs: [{name: a, namespace: my.ns, port: 80}]}]\n",
                        "spec.rules[0].backendRefs[0].namespace: must be a lowercase RFC 1123 label (a-z, 0-9 and '-', "
                        + "starting and ending with a letter or digit, at most 63 characters), got \"my.ns\""),
                arguments("too many backends", PARENT + "rules: [{backendRefs: ["
                        + "{name: a, port: 80},".repeat(16) + "{name: a, port: 80}]}]\n",
                        "spec.rules[0].backendRefs: must have at most 16 items, got 17"),
                arguments("timeout format", PARENT + "rules: [{timeouts: {request: 10}}]\n",
                        "spec.rules[0].timeouts.request: must be a duration such as \"10s\", \"500ms\" or \"1h30m\" "
                        + "(GEP-2257), got number 10"),
                arguments("timeout with a fraction", PARENT + "rules: [{timeouts: {request: 1.5s}}]\n",
                        "spec.rules[0].timeouts.request: must be a duration such as \"10s\", \"500ms\" or \"1h30m\" "
                        + "(GEP-2257), got string \"1.5s\""),
                arguments("backendRequest longer than request", PARENT
                        + "rules: [{timeouts: {request: 10s, backendRequest: 1m}}]\n",
                        "spec.rules[0].timeouts.backendRequest: must not be longer than request (10s), got 1m"),
                arguments("no backendRequest timeout under a request timeout", PARENT
                        + "rules: [{timeouts: {request: 10s, backendRequest: 0s}}]\n",
                        "spec.rules[0].timeouts.backendRequest: must not be longer than request (10s), got 0s (no "
                        + "timeout)"),
                arguments("retry code not an integer", PARENT + "rules: [{retry: {codes: [five]}}]\n",
                        "spec.rules[0].retry.codes[0]: must be an integer, got string \"five\""),
                arguments("retry code", PARENT + "rules: [{retry: {codes: [503, 600]}}]\n",
                        "spec.rules[0].retry.codes[1]: must be between 400 and 599, got 600"),
                arguments("retry attempts", PARENT + "rules: [{retry: {attempts: -1}}]\n",
                        "spec.rules[0].retry.attempts: must be at least 0, got -1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSpecs")
    void reportsTheProblemAtItsPath(String rule, String spec, String expected) {
        assertThat(Loads.problems(Loads.httpRoute(spec)))
                .containsExactly("test.yaml (document 1, HTTPRoute default/r): " + expected);
    }

    static Stream<Arguments> validSpecs() {
        return Stream.of(
                arguments("zero request timeout disables it", PARENT
                        + "rules: [{timeouts: {request: 0s, backendRequest: 5s}}]\n"),
                arguments("replacePrefixMatch with one prefix match", PARENT + """
                        rules:
                        - matches: [{path: {value: /api}}]
                          filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: ""}}}]
                        """),
                arguments("empty matches get the default", PARENT + "rules: [{matches: []}]\n"),
                arguments("named groups and classes are RE2", PARENT + """
                        rules: [{matches: [{path: {type: RegularExpression, value: "/(?P<v>v[0-9]+)/[*+]+"}}]}]
                        """),
                arguments("weights at the bounds", PARENT
                        + "rules: [{backendRefs: [{name: a, port: 80, weight: 0}, {name: b, port: 80, weight: 1000000}]}]\n"),
                arguments("parentRefs to one Service on two ports", "parentRefs: [{group: \"\", kind: Service, name: a, "
                        + "port: 80}, {group: \"\", kind: Service, name: a, port: 81}]\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validSpecs")
    void acceptsValidEdgeCases(String rule, String spec) {
        assertThat(Loads.load(Loads.httpRoute(spec)).size()).isEqualTo(1);
    }
}
