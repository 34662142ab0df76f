package dev.weft.proxy.route;

import dev.weft.proxy.util.XxHash64;
import static dev.weft.proxy.route.RouteFixtures.get;
import static dev.weft.proxy.route.RouteFixtures.routes;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpRequest;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class HashPolicyTest {
    private static final InetSocketAddress CLIENT = new InetSocketAddress("10.1.2.3", 40000);

    private static RouteEntry route(String hashPolicies) throws Exception {
        return routes("[{\"match\": {\"prefix\": \"/\"}, \"route\": {\"cluster\": \"c\", \"hash_policy\": " + hashPolicies + "}}]")
                .match(get("/"));
    }

    private static HttpRequest withHeader(String name, String... values) {
        HttpRequest r = get("/");
        for (String v : values) {
            r.headers().add(name, v);
        }
        return r;
    }

    @Test
    void xxHash64MatchesReferenceVectors() {
        assertThat(XxHash64.hash(new byte[0])).isEqualTo(0xEF46DB3751D8E999L);
        assertThat(XxHash64.hash("a".getBytes(StandardCharsets.UTF_8))).isEqualTo(0xD24EC4F1A98C6E5BL);
        assertThat(XxHash64.hash("abc".getBytes(StandardCharsets.UTF_8))).isEqualTo(0x44BC2CF5AD770999L);
        assertThat(XxHash64.hash("Nobody inspects the spammish repetition".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(0xFBCEA83C8A378BF1L);
    }

    @Test
    void sameHeaderValueGivesSameHash() throws Exception {
        // given
        RouteEntry e = route("[{\"header\": {\"header_name\": \"x-session\"}}]");

        // when
        OptionalLong a = e.hash(withHeader("x-session", "abc"), CLIENT);
        OptionalLong b = e.hash(withHeader("X-Session", "abc"), new InetSocketAddress("10.9.9.9", 1));
        OptionalLong c = e.hash(withHeader("x-session", "abd"), CLIENT);
        OptionalLong none = e.hash(get("/"), CLIENT);

        // then
        assertThat(a).hasValue(HashPolicies.hashOf("abc"));
        assertThat(b).isEqualTo(a);
        assertThat(c).isNotEqualTo(a);
        assertThat(none).isEmpty();
    }

    @Test
    void repeatedHeaderValuesHashTheSameInAnyOrder() throws Exception {
        // given
        RouteEntry e = route("[{\"header\": {\"header_name\": \"x-k\"}}]");

        // then
        assertThat(e.hash(withHeader("x-k", "b", "a"), CLIENT)).isEqualTo(e.hash(withHeader("x-k", "a", "b"), CLIENT));
    }

    @Test
    void cookieHashReadsTheNamedCookie() throws Exception {
        // given
        RouteEntry e = route("[{\"cookie\": {\"name\": \"sid\"}}]");

        // then
        assertThat(e.hash(withHeader("cookie", "theme=dark; sid=\"xyz\""), CLIENT)).hasValue(HashPolicies.hashOf("xyz"));
        assertThat(e.hash(withHeader("cookie", "a=1", "sid=xyz; b=2"), CLIENT)).hasValue(HashPolicies.hashOf("xyz"));
        assertThat(e.hash(withHeader("cookie", "xsid=1; sidx=2"), CLIENT)).isEmpty();
    }

    @Test
    void sourceIpHashIgnoresThePort() throws Exception {
        // given
        RouteEntry e = route("[{\"connection_properties\": {\"source_ip\": true}}]");

        // then
        assertThat(e.hash(get("/"), CLIENT)).hasValue(HashPolicies.hashOf("10.1.2.3"));
        assertThat(e.hash(get("/"), new InetSocketAddress("10.1.2.3", 1))).isEqualTo(e.hash(get("/"), CLIENT));
        assertThat(e.hash(get("/"), new InetSocketAddress("::1", 1))).hasValue(HashPolicies.hashOf("::1"));
    }

    @Test
    void policiesCombineByRotateAndXor() throws Exception {
        // given
        RouteEntry e = route("[{\"header\": {\"header_name\": \"x-a\"}}, {\"connection_properties\": {\"source_ip\": true}}]");

        // when
        OptionalLong both = e.hash(withHeader("x-a", "1"), CLIENT);
        OptionalLong ipOnly = e.hash(get("/"), CLIENT);

        // then
        assertThat(both).hasValue(Long.rotateLeft(HashPolicies.hashOf("1"), 1) ^ HashPolicies.hashOf("10.1.2.3"));
        assertThat(ipOnly).hasValue(HashPolicies.hashOf("10.1.2.3"));
    }

    @Test
    void terminalPolicyThatProducedAHashStopsTheWalk() throws Exception {
        // given
        RouteEntry e = route("[{\"header\": {\"header_name\": \"x-user\"}, \"terminal\": true}, {\"connection_properties\": {\"source_ip\": true}}]");

        // when
        OptionalLong user = e.hash(withHeader("x-user", "u1"), CLIENT);
        OptionalLong fallback = e.hash(get("/"), CLIENT);

        // then
        assertThat(user).hasValue(HashPolicies.hashOf("u1"));
        assertThat(fallback).hasValue(HashPolicies.hashOf("10.1.2.3"));
    }

    @Test
    void noPolicyGivesNoHash() throws Exception {
        // given
        RouteEntry e = routes("[{\"match\": {\"prefix\": \"/\"}, \"route\": {\"cluster\": \"c\"}}]").match(get("/"));

        // then
        assertThat(e.hash(get("/"), CLIENT)).isEmpty();
    }
}
