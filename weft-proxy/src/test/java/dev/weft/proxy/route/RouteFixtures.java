package dev.weft.proxy.route;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.weft.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;

/** Builds route configurations from Envoy-style JSON and requests from a Host and URI. */
final class RouteFixtures {
    private RouteFixtures() {
    }

    static RouteConfiguration config(String json) {
        RouteConfiguration.Builder b = RouteConfiguration.newBuilder();
        try {
            JsonFormat.parser().merge(json, b);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(e);
        }
        return b.build();
    }

    static RouteTable table(String json) throws ConfigException {
        return RouteTable.compile(config(json));
    }

    /** A route configuration with one virtual host on {@code *} whose routes are {@code routesJson} (a JSON array). */
    static RouteTable routes(String routesJson) throws ConfigException {
        return table("{\"virtual_hosts\": [{\"name\": \"vh\", \"domains\": [\"*\"], \"routes\": " + routesJson + "}]}");
    }

    static HttpRequest get(String host, String uri) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        if (host != null) {
            r.headers().set("host", host);
        }
        return r;
    }

    static HttpRequest get(String uri) {
        return get("example.com", uri);
    }
}
