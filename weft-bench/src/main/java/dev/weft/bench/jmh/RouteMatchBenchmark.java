package dev.weft.bench.jmh;

import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.route.RouteEntry;
import dev.weft.proxy.route.RouteTable;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * RouteTable.match over a route configuration of 1,000 routes, spread over {@code virtualHosts}
 * virtual hosts (100: ten routes each, the usual shape; 1: the worst case of one long list).
 * Each virtual host's routes cycle through exact path, prefix, and prefix plus a header matcher.
 *
 * <p>Requests: {@code lastRoute} hits the last route of the last virtual host (every route of its
 * host is tried first), {@code firstRoute} the first one, {@code headerRoute} a route that needs a
 * header condition, {@code missPath} a known host with a path no route matches (every route
 * tried), {@code missHost} a host no virtual host serves.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RouteMatchBenchmark {
    static final int ROUTES = 1000;

    @Param({"100", "1"})
    public int virtualHosts;

    private RouteTable table;
    private HttpRequest lastRoute;
    private HttpRequest firstRoute;
    private HttpRequest headerRoute;
    private HttpRequest missPath;
    private HttpRequest missHost;

    @Setup
    public void setUp() throws ConfigException {
        int perHost = ROUTES / virtualHosts;
        RouteConfiguration.Builder config = RouteConfiguration.newBuilder().setName("bench");
        for (int v = 0; v < virtualHosts; v++) {
            VirtualHost.Builder vh = VirtualHost.newBuilder().setName("vh" + v).addDomains(host(v))
                    .addDomains(host(v) + ":8080");
            for (int r = 0; r < perHost; r++) {
                vh.addRoutes(route(v, r));
            }
            config.addVirtualHosts(vh);
        }
        table = RouteTable.compile(config.build());

        int lastHost = virtualHosts - 1;
        int last = perHost - 1;
        lastRoute = request(host(lastHost), pathOf(last), last);
        firstRoute = request(host(lastHost), pathOf(0), 0);
        int header = last - (last % 3 == 2 ? 0 : last % 3 + 1);
        headerRoute = request(host(lastHost), pathOf(header), header);
        missPath = request(host(lastHost), "/nothing/here?x=1", -1);
        missHost = request("unknown.example.org", pathOf(0), -1);
        check(lastRoute, "vh" + lastHost + "/r" + last);
        check(firstRoute, "vh" + lastHost + "/r0");
        check(headerRoute, "vh" + lastHost + "/r" + header);
        check(missPath, null);
        check(missHost, null);
    }

    private static String host(int v) {
        return "svc-" + v + ".bench.svc.cluster.local";
    }

    /** Route r of a host: r % 3 == 0 exact path, 1 prefix, 2 prefix plus an x-tenant header. */
    private static Route route(int v, int r) {
        RouteMatch.Builder m = RouteMatch.newBuilder();
        switch (r % 3) {
            case 0 -> m.setPath("/api/v1/items/" + r);
            case 1 -> m.setPrefix("/static/" + r + "/");
            default -> m.setPrefix("/tenant/" + r + "/").addHeaders(HeaderMatcher.newBuilder()
                    .setName("x-tenant").setExactMatch("tenant-" + r));
        }
        return Route.newBuilder().setName("vh" + v + "/r" + r).setMatch(m)
                .setRoute(RouteAction.newBuilder().setCluster("c" + (r % 10))).build();
    }

    private static String pathOf(int r) {
        return switch (r % 3) {
            case 0 -> "/api/v1/items/" + r;
            case 1 -> "/static/" + r + "/app.js";
            default -> "/tenant/" + r + "/orders?page=2";
        };
    }

    private static HttpRequest request(String host, String uri, int route) {
        HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        req.headers().set("host", host).set("user-agent", "bench/1.0").set("accept", "*/*");
        if (route >= 0 && route % 3 == 2) {
            req.headers().set("x-tenant", "tenant-" + route);
        }
        return req;
    }

    private void check(HttpRequest req, String expectedRoute) {
        RouteEntry e = table.match(req);
        String got = e == null ? null : e.name();
        if (expectedRoute == null ? got != null : !expectedRoute.equals(got)) {
            throw new IllegalStateException(req.uri() + " matched " + got + " (expected: " + expectedRoute + ")");
        }
    }

    @Benchmark
    public RouteEntry lastRoute() {
        return table.match(lastRoute);
    }

    @Benchmark
    public RouteEntry firstRoute() {
        return table.match(firstRoute);
    }

    @Benchmark
    public RouteEntry headerRoute() {
        return table.match(headerRoute);
    }

    @Benchmark
    public RouteEntry missPath() {
        return table.match(missPath);
    }

    @Benchmark
    public RouteEntry missHost() {
        return table.match(missHost);
    }
}
