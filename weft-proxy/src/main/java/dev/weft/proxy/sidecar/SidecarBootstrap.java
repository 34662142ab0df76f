package dev.weft.proxy.sidecar;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What a sidecar is told on its command line, and the Envoy v3 bootstrap it becomes: the node (with the
 * {@code weft.*} metadata the control plane reads to register the local app and to decide what the proxy
 * receives), the admin address, one static cluster {@value #XDS_CLUSTER} for the control plane, and ADS for
 * listeners and clusters. Everything else arrives over xDS.
 */
public record SidecarBootstrap(String controlPlaneHost, int controlPlanePort, String namespace, String service,
                               String address, int inboundPort, int appPort, String appProtocol, int outboundPort,
                               List<Upstream> upstreams, Map<String, String> labels, String instance,
                               String nodeId, String adminAddress, int adminPort) {

    /** The static cluster that reaches the control plane. */
    public static final String XDS_CLUSTER = "xds";

    /** Names of services and namespaces: DNS labels, as Kubernetes has them. */
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final List<String> APP_PROTOCOLS = List.of("HTTP", "HTTP2", "GRPC");

    /**
     * A service the local app calls: {@code service} in {@code namespace} (null: the sidecar's own), reachable
     * also on a fixed local {@code port} when it is above zero.
     */
    public record Upstream(String service, String namespace, int port) {

        /**
         * Parses {@code NAME[.NAMESPACE][=LOCALPORT]}, e.g. {@code reviews}, {@code reviews.prod=9001}.
         *
         * @throws IllegalArgumentException saying what was wrong with {@code spec}
         */
        public static Upstream parse(String spec) {
            String target = spec;
            int port = 0;
            int eq = spec.indexOf('=');
            if (eq >= 0) {
                target = spec.substring(0, eq);
                String p = spec.substring(eq + 1);
                try {
                    port = Integer.parseInt(p);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + spec + "': local port '" + p + "' is not a number");
                }
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException("'" + spec + "': local port " + port + " (expected: 1 to 65535)");
                }
            }
            String[] parts = target.split("\\.", -1);
            if (parts.length > 2 || !DNS_LABEL.matcher(parts[0]).matches()
                    || (parts.length == 2 && !DNS_LABEL.matcher(parts[1]).matches())) {
                throw new IllegalArgumentException("'" + spec + "' (expected: SERVICE[.NAMESPACE][=LOCALPORT], "
                        + "names in lower-case letters, digits and '-')");
            }
            return new Upstream(parts[0], parts.length == 2 ? parts[1] : null, port);
        }
    }

    public SidecarBootstrap {
        Objects.requireNonNull(controlPlaneHost, "controlPlaneHost");
        upstreams = upstreams == null ? null : List.copyOf(upstreams);
        labels = labels == null ? Map.of() : Map.copyOf(new TreeMap<>(labels));
    }

    /**
     * Checks the values a user gave, in the order of the command line.
     *
     * @throws IllegalArgumentException naming the option that is wrong and what was expected
     */
    public SidecarBootstrap validate() {
        checkPort("--control-plane", controlPlanePort, false);
        checkName("--service", service);
        checkName("--namespace", namespace);
        checkPort("--inbound-port", inboundPort, true);
        checkPort("--app-port", appPort, true);
        checkPort("--outbound-port", outboundPort, true);
        checkPort("--admin-port", adminPort, true);
        if (appPort > 0 && inboundPort == 0) {
            throw new IllegalArgumentException("--inbound-port: 0 with --app-port " + appPort
                    + " (expected: a port for the mesh to reach the app through)");
        }
        if (appProtocol != null && !APP_PROTOCOLS.contains(appProtocol)) {
            throw new IllegalArgumentException("--app-protocol: '" + appProtocol + "' (expected one of " + APP_PROTOCOLS + ")");
        }
        if (!isIpLiteral(address)) {
            throw new IllegalArgumentException("--address: '" + address + "' (expected: an IP address)");
        }
        // two listeners on one port: the second never binds and the sidecar would never become ready
        Map<Integer, String> ports = new java.util.HashMap<>();
        if (appPort > 0) {
            claim(ports, inboundPort, "--inbound-port");
        }
        claim(ports, outboundPort, "--outbound-port");
        claim(ports, adminPort, "--admin-port");
        for (Upstream u : upstreams == null ? List.<Upstream>of() : upstreams) {
            claim(ports, u.port(), "--upstream " + u.service() + "=" + u.port());
        }
        for (Map.Entry<String, String> label : labels.entrySet()) {
            if (label.getKey().isEmpty()) {
                throw new IllegalArgumentException("--label: '=" + label.getValue() + "' has no key (expected: KEY=VALUE)");
            }
        }
        return this;
    }

    private static void claim(Map<Integer, String> ports, int port, String option) {
        if (port <= 0) {
            return;
        }
        String other = ports.putIfAbsent(port, option);
        if (other != null) {
            throw new IllegalArgumentException(option + ": port " + port + " is also " + other);
        }
    }

    private static void checkPort(String option, int port, boolean zeroAllowed) {
        if (port < (zeroAllowed ? 0 : 1) || port > 65535) {
            throw new IllegalArgumentException(option + ": " + port + " (expected: " + (zeroAllowed ? 0 : 1) + " to 65535)");
        }
    }

    private static void checkName(String option, String name) {
        if (name == null || !DNS_LABEL.matcher(name).matches()) {
            throw new IllegalArgumentException(option + ": '" + name
                    + "' (expected: lower-case letters, digits and '-', at most 63, starting and ending alphanumeric)");
        }
    }

    private static boolean isIpLiteral(String address) {
        if (address == null || address.isEmpty() || !(address.indexOf(':') >= 0 || address.matches("[0-9.]+"))) {
            return false;
        }
        try {
            // a literal: no lookup happens
            InetAddress.getByName(address);
            return true;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** The node id the proxy announces: given, or derived from what makes this sidecar unique on its host. */
    public String effectiveNodeId() {
        if (nodeId != null && !nodeId.isEmpty()) {
            return nodeId;
        }
        String local = inboundPort > 0 ? Integer.toString(inboundPort) : "pid" + ProcessHandle.current().pid();
        return "sidecar~" + address + "~" + service + "." + namespace + "~" + local;
    }

    /** The bootstrap the proxy runs: node, admin, the control plane's cluster and ADS. */
    public Bootstrap toBootstrap() {
        ConfigSource ads = ConfigSource.newBuilder()
                .setAds(AggregatedConfigSource.getDefaultInstance())
                .setResourceApiVersion(ApiVersion.V3)
                .build();
        Cluster xds = Cluster.newBuilder()
                .setName(XDS_CLUSTER)
                .setType(isIpLiteral(controlPlaneHost) ? Cluster.DiscoveryType.STATIC : Cluster.DiscoveryType.STRICT_DNS)
                .setConnectTimeout(Durations.fromSeconds(1))
                .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance())
                .setLoadAssignment(ClusterLoadAssignment.newBuilder()
                        .setClusterName(XDS_CLUSTER)
                        .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
                                .setEndpoint(Endpoint.newBuilder().setAddress(socket(controlPlaneHost, controlPlanePort))))))
                .build();
        return Bootstrap.newBuilder()
                .setNode(Node.newBuilder().setId(effectiveNodeId()).setCluster(service).setMetadata(metadata()))
                .setAdmin(Admin.newBuilder().setAddress(socket(adminAddress, adminPort)))
                .setStaticResources(Bootstrap.StaticResources.newBuilder().addClusters(xds))
                .setDynamicResources(Bootstrap.DynamicResources.newBuilder()
                        .setAdsConfig(ApiConfigSource.newBuilder()
                                .setApiType(ApiConfigSource.ApiType.GRPC)
                                .setTransportApiVersion(ApiVersion.V3)
                                .addGrpcServices(GrpcService.newBuilder()
                                        .setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName(XDS_CLUSTER))))
                        .setLdsConfig(ads)
                        .setCdsConfig(ads))
                .build();
    }

    /** The {@code weft.*} node metadata of the contract between sidecar and control plane. */
    Struct metadata() {
        Struct.Builder m = Struct.newBuilder()
                .putFields("weft.role", string("sidecar"))
                .putFields("weft.namespace", string(namespace))
                .putFields("weft.service", string(service))
                .putFields("weft.address", string(address));
        if (appPort > 0) {
            m.putFields("weft.inbound_port", number(inboundPort));
            m.putFields("weft.app_port", number(appPort));
        }
        if (appProtocol != null) {
            m.putFields("weft.app_protocol", string(appProtocol));
        }
        if (outboundPort > 0) {
            m.putFields("weft.outbound_port", number(outboundPort));
        }
        if (upstreams != null) {
            List<Value> list = new ArrayList<>();
            for (Upstream u : upstreams) {
                Struct.Builder s = Struct.newBuilder().putFields("service", string(u.service()));
                if (u.namespace() != null) {
                    s.putFields("namespace", string(u.namespace()));
                }
                if (u.port() > 0) {
                    s.putFields("port", number(u.port()));
                }
                list.add(Value.newBuilder().setStructValue(s).build());
            }
            m.putFields("weft.upstreams", Value.newBuilder().setListValue(ListValue.newBuilder().addAllValues(list)).build());
        }
        if (!labels.isEmpty()) {
            Struct.Builder l = Struct.newBuilder();
            labels.forEach((k, v) -> l.putFields(k, string(v)));
            m.putFields("weft.labels", Value.newBuilder().setStructValue(l).build());
        }
        if (instance != null && !instance.isEmpty()) {
            m.putFields("weft.instance", string(instance));
        }
        if (adminPort > 0) {
            // where the control plane scrapes the sidecar's metrics; ProxyServer puts the bound port here when it is 0
            m.putFields("weft.admin_address", string(adminAddress + ":" + adminPort));
        }
        return m.build();
    }

    private static Address socket(String host, int port) {
        return Address.newBuilder()
                .setSocketAddress(SocketAddress.newBuilder().setAddress(host).setPortValue(port))
                .build();
    }

    private static Value string(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }

    private static Value number(int n) {
        return Value.newBuilder().setNumberValue(n).build();
    }
}
