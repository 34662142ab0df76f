package dev.weft.proxy.route;

import dev.weft.proxy.util.XxHash64;
import dev.weft.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;

/**
 * A route's hash_policy list, evaluated as Envoy does: each policy that yields a value is folded in
 * with {@code rotl(hash, 1) ^ value}, and a terminal policy that has produced a hash ends the walk.
 * Values are hashed with XXH64 of their UTF-8 bytes, seed 0, like Envoy.
 */
final class HashPolicies {
    static final HashPolicies NONE = new HashPolicies(new Method[0]);

    /** One hash_policy entry. */
    private abstract static class Method {
        final boolean terminal;

        Method(boolean terminal) {
            this.terminal = terminal;
        }

        /** Writes this policy's hash to {@code out[0]} and returns true, or returns false when the request yields none. */
        abstract boolean produces(HttpRequest request, SocketAddress remote, long[] out);
    }

    private final Method[] methods;

    private HashPolicies(Method[] methods) {
        this.methods = methods;
    }

    static HashPolicies compile(List<HashPolicy> policies, String path) throws ConfigException {
        if (policies.isEmpty()) {
            return NONE;
        }
        Method[] ms = new Method[policies.size()];
        for (int i = 0; i < ms.length; i++) {
            HashPolicy p = policies.get(i);
            String pp = path + "[" + i + "]";
            boolean terminal = p.getTerminal();
            switch (p.getPolicySpecifierCase()) {
                case HEADER:
                    if (p.getHeader().hasRegexRewrite()) {
                        throw new ConfigException(pp + ".header.regex_rewrite", "is not supported");
                    }
                    ms[i] = new HeaderHash(HeaderCondition.headerName(p.getHeader().getHeaderName(), pp + ".header.header_name"), terminal);
                    break;
                case COOKIE:
                    var c = p.getCookie();
                    if (c.hasTtl()) {
                        throw new ConfigException(pp + ".cookie.ttl", "cookie generation is not supported");
                    }
                    if (c.getName().isEmpty()) {
                        throw new ConfigException(pp + ".cookie.name", "must not be empty");
                    }
                    ms[i] = new CookieHash(c.getName(), terminal);
                    break;
                case CONNECTION_PROPERTIES:
                    ms[i] = new SourceIpHash(p.getConnectionProperties().getSourceIp(), terminal);
                    break;
                case QUERY_PARAMETER:
                    throw new ConfigException(pp + ".query_parameter", "query parameter hashing is not supported");
                case FILTER_STATE:
                    throw new ConfigException(pp + ".filter_state", "filter state hashing is not supported");
                default:
                    throw new ConfigException(pp, "one of header, cookie, connection_properties is required");
            }
        }
        return new HashPolicies(ms);
    }

    OptionalLong hash(HttpRequest request, SocketAddress remote) {
        if (methods.length == 0) {
            return OptionalLong.empty();
        }
        long[] value = new long[1];
        boolean have = false;
        long hash = 0;
        for (Method m : methods) {
            if (m.produces(request, remote, value)) {
                long old = have ? Long.rotateLeft(hash, 1) : 0;
                hash = old ^ value[0];
                have = true;
            }
            if (m.terminal && have) {
                break;
            }
        }
        return have ? OptionalLong.of(hash) : OptionalLong.empty();
    }

    static long hashOf(String s) {
        return XxHash64.hash(s.getBytes(StandardCharsets.UTF_8));
    }

    private static final class HeaderHash extends Method {
        private final String name;

        HeaderHash(String name, boolean terminal) {
            super(terminal);
            this.name = name;
        }

        @Override
        boolean produces(HttpRequest request, SocketAddress remote, long[] out) {
            String v;
            if (name.startsWith(":")) {
                v = RequestView.headerJoined(request, name);
            } else {
                List<String> all = request.headers().getAll(name);
                if (all.isEmpty()) {
                    return false;
                }
                if (all.size() == 1) {
                    v = all.get(0);
                } else {
                    // Envoy sorts repeated values and hashes their concatenation, so order does not matter.
                    String[] sorted = all.toArray(new String[0]);
                    Arrays.sort(sorted);
                    v = String.join("", sorted);
                }
            }
            if (v == null) {
                return false;
            }
            out[0] = hashOf(v);
            return true;
        }
    }

    private static final class CookieHash extends Method {
        private final String name;

        CookieHash(String name, boolean terminal) {
            super(terminal);
            this.name = name;
        }

        @Override
        boolean produces(HttpRequest request, SocketAddress remote, long[] out) {
            for (String header : request.headers().getAll(HttpHeaderNames.COOKIE)) {
                String v = cookieValue(header, name);
                if (v != null) {
                    out[0] = hashOf(v);
                    return true;
                }
            }
            return false;
        }
    }

    /** The value of cookie {@code name} in one Cookie header, surrounding quotes removed, or null. */
    static String cookieValue(String header, String name) {
        int i = 0;
        int n = header.length();
        while (i < n) {
            int end = header.indexOf(';', i);
            if (end < 0) {
                end = n;
            }
            int s = i;
            while (s < end && header.charAt(s) == ' ') {
                s++;
            }
            int eq = header.indexOf('=', s);
            if (eq > s && eq < end && eq - s == name.length() && header.startsWith(name, s)) {
                int vs = eq + 1;
                int ve = end;
                while (ve > vs && header.charAt(ve - 1) == ' ') {
                    ve--;
                }
                if (ve - vs >= 2 && header.charAt(vs) == '"' && header.charAt(ve - 1) == '"') {
                    vs++;
                    ve--;
                }
                return header.substring(vs, ve);
            }
            i = end + 1;
        }
        return null;
    }

    private static final class SourceIpHash extends Method {
        private final boolean enabled;

        SourceIpHash(boolean enabled, boolean terminal) {
            super(terminal);
            this.enabled = enabled;
        }

        @Override
        boolean produces(HttpRequest request, SocketAddress remote, long[] out) {
            if (!enabled || !(remote instanceof InetSocketAddress isa) || isa.getAddress() == null) {
                return false;
            }
            // RFC 5952 text (compressed IPv6), the form Envoy hashes.
            out[0] = hashOf(NetUtil.toAddressString(isa.getAddress()));
            return true;
        }
    }
}
