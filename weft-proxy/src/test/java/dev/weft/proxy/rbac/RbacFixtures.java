package dev.weft.proxy.rbac;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.protobuf.util.JsonFormat;
import dev.weft.proxy.config.ConfigException;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.NetUtil;
import java.io.IOException;
import java.io.UncheckedIOException;

/** RBAC filter configs from Envoy-style YAML, and requests as the RBAC filter sees them. */
final class RbacFixtures {
    static final String ALICE = "spiffe://cluster.local/ns/default/sa/alice";
    static final String BOB = "spiffe://cluster.local/ns/other/sa/bob";
    private static final YAMLMapper YAML = new YAMLMapper();

    private RbacFixtures() {}

    /** The typed_config of an RBAC filter, written as YAML. */
    static RBAC rbac(String yaml) {
        try {
            JsonNode tree = YAML.readTree(yaml);
            RBAC.Builder b = RBAC.newBuilder();
            JsonFormat.parser().merge(tree.toString(), b);
            return b.build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Filters given as name, YAML, name, YAML... in http_filters order. */
    static Authorization authorization(String... nameAndYaml) throws ConfigException {
        Authorization.Builder b = Authorization.builder();
        for (int i = 0; i < nameAndYaml.length; i += 2) {
            b.add(nameAndYaml[i], rbac(nameAndYaml[i + 1]), "typed_config");
        }
        return b.build();
    }

    /** One filter with {@code action} and one policy named {@code name} of the given permission and principal (YAML flow). */
    static Authorization onePolicy(String action, String name, String permission, String principal) throws ConfigException {
        return authorization("rbac", "rules: {action: " + action + ", policies: {\"" + name + "\": {permissions: ["
                + permission + "], principals: [" + principal + "]}}}");
    }

    static Request get(String uri) {
        return new Request(HttpMethod.GET, uri);
    }

    static Request request(String method, String uri) {
        return new Request(HttpMethod.valueOf(method), uri);
    }

    /** A request head with its connection's attributes; plaintext from 10.0.0.1 to port 8080 unless told otherwise. */
    static final class Request {
        final HttpRequest head;
        String principal;
        String peer = "10.0.0.1";
        int port = 8080;
        boolean useRemoteAddress = true;

        Request(HttpMethod method, String uri) {
            head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri);
            head.headers().set("host", "reviews.default:9080");
        }

        Request header(String name, String value) {
            head.headers().add(name, value);
            return this;
        }

        /** Over mTLS, from a peer whose verified certificate says {@code spiffeId}. */
        Request from(String spiffeId) {
            principal = spiffeId;
            return this;
        }

        Request peer(String ip) {
            peer = ip;
            return this;
        }

        Request port(int p) {
            port = p;
            return this;
        }

        Request trustingForwardedFor() {
            useRemoteAddress = false;
            return this;
        }

        RbacRequest build() {
            return new RbacRequest(head, principal, NetUtil.createInetAddressFromIpAddressString(peer), port, useRemoteAddress);
        }
    }
}
