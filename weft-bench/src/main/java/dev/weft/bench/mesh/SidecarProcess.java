package dev.weft.bench.mesh;

import dev.weft.proxy.ProxyServer;
import dev.weft.proxy.config.BootstrapLoader;
import dev.weft.proxy.config.ProxySnapshot;
import dev.weft.proxy.sidecar.SidecarBootstrap;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The child JVM of the heap measurement: one client-only Weft sidecar and nothing else, so the heap it reports is
 * the proxy's. Arguments: {@code XDS_PORT OUTBOUND_PORT all|none|SERVICE[,SERVICE...]} (all: no upstream list, it
 * receives every service; none: an empty list, it receives no service). Protocol on stdout/stdin, one line each:
 * it prints {@code READY clusters=N virtualHosts=N routes=N endpoints=N} once it serves its configuration, answers
 * {@code heap} with {@code HEAP used=BYTES committed=BYTES} measured after full collections, and exits on
 * {@code exit} or at the end of its input.
 */
public final class SidecarProcess {
    private SidecarProcess() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: SidecarProcess XDS_PORT OUTBOUND_PORT all|none|SERVICE[,SERVICE...]");
            System.exit(2);
        }
        int xdsPort = Integer.parseInt(args[0]);
        int outboundPort = Integer.parseInt(args[1]);
        List<SidecarBootstrap.Upstream> upstreams = upstreams(args[2]);
        SidecarBootstrap bootstrap = new SidecarBootstrap("127.0.0.1", xdsPort, MeshResources.NAMESPACE, "heap-probe",
                "127.0.0.1", 0, 0, null, outboundPort, upstreams, Map.of(), null, null, "127.0.0.1", 0).validate();
        ProxyServer proxy = ProxyServer.start(BootstrapLoader.build(bootstrap.toBootstrap()), 1);
        proxy.configured().get(60, TimeUnit.SECONDS);
        System.out.println("READY " + counts(proxy.snapshot()));
        System.out.flush();

        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null && !line.equals("exit"); line = in.readLine()) {
            if (line.equals("heap")) {
                MemoryUsage heap = heapAfterFullGc();
                System.out.println("HEAP used=" + heap.getUsed() + " committed=" + heap.getCommitted());
                System.out.flush();
            }
        }
        proxy.close();
        proxy.stopped().get(10, TimeUnit.SECONDS);
    }

    private static List<SidecarBootstrap.Upstream> upstreams(String arg) {
        if (arg.equals("all")) {
            return null;
        }
        List<SidecarBootstrap.Upstream> list = new ArrayList<>();
        if (!arg.equals("none")) {
            for (String service : arg.split(",")) {
                list.add(SidecarBootstrap.Upstream.parse(service));
            }
        }
        return list;
    }

    /** What the proxy received, as {@code key=value} pairs the parent parses. */
    static String counts(ProxySnapshot snapshot) {
        int virtualHosts = 0;
        int routes = 0;
        for (RouteConfiguration rc : snapshot.resources().routes().values()) {
            virtualHosts += rc.getVirtualHostsCount();
            for (VirtualHost vh : rc.getVirtualHostsList()) {
                routes += vh.getRoutesCount();
            }
        }
        int endpoints = 0;
        for (ClusterLoadAssignment cla : snapshot.resources().endpoints().values()) {
            for (LocalityLbEndpoints l : cla.getEndpointsList()) {
                endpoints += l.getLbEndpointsCount();
            }
        }
        return "clusters=" + snapshot.resources().clusters().size() + " virtualHosts=" + virtualHosts + " routes=" + routes
                + " endpoints=" + endpoints;
    }

    /**
     * Heap in use once garbage is gone. Two collections, because objects with finalizers or reference queues
     * survive the first; with the JDK's collectors System.gc() is a full, compacting collection.
     */
    private static MemoryUsage heapAfterFullGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    }
}
