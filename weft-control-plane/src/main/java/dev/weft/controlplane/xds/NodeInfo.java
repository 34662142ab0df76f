package dev.weft.controlplane.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weft.api.ObjectMeta;
import dev.weft.api.registry.ServiceProtocol;
import dev.weft.ca.SpiffeId;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the control plane reads from an xDS client's {@code node}: its id and, from the {@code weft.*} metadata keys
 * of the contract with the sidecar, its role, service, listeners and declared upstreams. A node without
 * {@code weft.role} is a proxyless gRPC (or other generic xDS) client.
 *
 * @param upstreams the services the node calls, or null when it may call every service
 * @param identity  the SPIFFE ID of the client certificate the node's stream was authenticated with, or null when
 *                  xDS is served without TLS ({@code --insecure-xds}): such a node gets plaintext-only configuration
 * @param adminAddress the {@code host:port} of the sidecar's admin listener ({@code weft.admin_address}), where the
 *                  control plane scrapes its metrics, or null when the node did not report one
 */
public record NodeInfo(String id, Role role, String namespace, String service, String address, int inboundPort,
                       int appPort, ServiceProtocol appProtocol, int outboundPort, List<Upstream> upstreams,
                       Map<String, String> labels, String instanceName, SpiffeId identity, String adminAddress) {

    /** The metadata key prefix of the contract. */
    public static final String PREFIX = "weft.";

    /** What kind of xDS client a node is. */
    public enum Role {
        /** A Weft sidecar: inbound and outbound listeners, RDS, EDS clusters. */
        SIDECAR,
        /** A proxyless client (grpc-java's xds resolver): API listeners named after services. */
        PROXYLESS
    }

    /** A service the node calls, in {@code namespace}, with an optional fixed local port (0: none). */
    public record Upstream(String service, String namespace, int port) {
    }

    public NodeInfo {
        upstreams = upstreams == null ? null : List.copyOf(upstreams);
        labels = Collections.unmodifiableMap(new TreeMap<>(labels));
    }

    /** Whether this sidecar registers itself as an instance of its service. */
    public boolean registers() {
        return role == Role.SIDECAR && inboundPort > 0;
    }

    /** This node as authenticated by {@code verified}, the SPIFFE ID of its stream's client certificate. */
    public NodeInfo withIdentity(SpiffeId verified) {
        return new NodeInfo(id, role, namespace, service, address, inboundPort, appPort, appProtocol, outboundPort,
                upstreams, labels, instanceName, verified, adminAddress);
    }

    /** Reads a node, without identity; an invalid metadata value is an {@link IllegalArgumentException} naming its path. */
    public static NodeInfo from(Node node) {
        if (node.getId().isEmpty()) {
            throw new IllegalArgumentException("node.id: is required");
        }
        Map<String, Value> metadata = node.getMetadata().getFieldsMap();
        String role = string(metadata, "role", null);
        String namespace = string(metadata, "namespace", ObjectMeta.DEFAULT_NAMESPACE);
        Map<String, String> labels = labels(metadata);
        List<Upstream> upstreams = upstreams(metadata, namespace);
        if (role == null) {
            return new NodeInfo(node.getId(), Role.PROXYLESS, namespace, node.getCluster(), "", 0, 0, null, 0,
                    upstreams, labels, null, null, null);
        }
        if (!role.equals("sidecar")) {
            throw new IllegalArgumentException(path("role") + ": must be \"sidecar\" (or absent for a proxyless "
                    + "client), got \"" + role + "\"");
        }
        String service = string(metadata, "service", node.getCluster().isEmpty() ? null : node.getCluster());
        if (service == null) {
            throw new IllegalArgumentException(path("service") + ": is required for a sidecar");
        }
        String address = string(metadata, "address", "127.0.0.1");
        int inboundPort = port(metadata, "inbound_port");
        int appPort = port(metadata, "app_port");
        if (inboundPort > 0 && appPort == 0) {
            throw new IllegalArgumentException(path("app_port") + ": is required when weft.inbound_port is set");
        }
        String protocolText = string(metadata, "app_protocol", null);
        ServiceProtocol appProtocol = null;
        if (protocolText != null) {
            try {
                appProtocol = ServiceProtocol.valueOf(protocolText.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(path("app_protocol") + ": must be HTTP, HTTP2 or GRPC, got \""
                        + protocolText + "\"");
            }
        }
        String instance = string(metadata, "instance", service + "-" + address + "-" + inboundPort);
        return new NodeInfo(node.getId(), Role.SIDECAR, namespace, service, address, inboundPort, appPort,
                appProtocol, port(metadata, "outbound_port"), upstreams, labels, instance, null,
                adminAddress(metadata));
    }

    /** {@code weft.admin_address}: {@code host:port} ({@code [v6]:port} for an IPv6 literal), port 1-65535. */
    private static String adminAddress(Map<String, Value> metadata) {
        String text = string(metadata, "admin_address", null);
        if (text == null) {
            return null;
        }
        int colon = text.lastIndexOf(':');
        String host = colon < 0 ? "" : text.substring(0, colon);
        String port = colon < 0 ? "" : text.substring(colon + 1);
        boolean bracketed = host.startsWith("[") && host.endsWith("]") && host.length() > 2;
        if (host.isEmpty() || (host.indexOf(':') >= 0 && !bracketed) || !port.matches("[0-9]{1,5}")
                || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            throw new IllegalArgumentException(path("admin_address") + ": must be host:port (port 1-65535, an IPv6 "
                    + "host in brackets), got \"" + text + "\"");
        }
        return text;
    }

    private static List<Upstream> upstreams(Map<String, Value> metadata, String nodeNamespace) {
        Value value = metadata.get(PREFIX + "upstreams");
        if (value == null) {
            return null;
        }
        if (!value.hasListValue()) {
            throw new IllegalArgumentException(path("upstreams") + ": must be a list of {service, namespace, port}");
        }
        List<Upstream> result = new ArrayList<>();
        List<Value> items = value.getListValue().getValuesList();
        for (int i = 0; i < items.size(); i++) {
            String at = path("upstreams") + "[" + i + "]";
            if (!items.get(i).hasStructValue()) {
                throw new IllegalArgumentException(at + ": must be a struct {service, namespace, port}");
            }
            Map<String, Value> fields = items.get(i).getStructValue().getFieldsMap();
            Value service = fields.get("service");
            if (service == null || !service.hasStringValue() || service.getStringValue().isEmpty()) {
                throw new IllegalArgumentException(at + ".service: is required");
            }
            Value namespace = fields.get("namespace");
            Value port = fields.get("port");
            result.add(new Upstream(service.getStringValue(),
                    namespace != null && namespace.hasStringValue() ? namespace.getStringValue() : nodeNamespace,
                    port == null ? 0 : port(port, at + ".port")));
        }
        return result;
    }

    private static Map<String, String> labels(Map<String, Value> metadata) {
        Value value = metadata.get(PREFIX + "labels");
        if (value == null) {
            return Map.of();
        }
        if (!value.hasStructValue()) {
            throw new IllegalArgumentException(path("labels") + ": must be a struct of strings");
        }
        Struct struct = value.getStructValue();
        Map<String, String> labels = new TreeMap<>();
        struct.getFieldsMap().forEach((key, v) -> {
            if (!v.hasStringValue()) {
                throw new IllegalArgumentException(path("labels") + "." + key + ": must be a string");
            }
            labels.put(key, v.getStringValue());
        });
        return labels;
    }

    private static String string(Map<String, Value> metadata, String key, String fallback) {
        Value value = metadata.get(PREFIX + key);
        if (value == null) {
            return fallback;
        }
        if (!value.hasStringValue() || value.getStringValue().isEmpty()) {
            throw new IllegalArgumentException(path(key) + ": must be a non-empty string");
        }
        return value.getStringValue();
    }

    private static int port(Map<String, Value> metadata, String key) {
        Value value = metadata.get(PREFIX + key);
        return value == null ? 0 : port(value, path(key));
    }

    private static int port(Value value, String path) {
        double number = value.hasNumberValue() ? value.getNumberValue()
                : value.hasStringValue() && value.getStringValue().matches("[0-9]{1,5}")
                ? Integer.parseInt(value.getStringValue()) : -1;
        if (number < 0 || number > 65535 || number != Math.rint(number)) {
            throw new IllegalArgumentException(path + ": must be a port number 0-65535, got " + text(value));
        }
        return (int) number;
    }

    private static String text(Value value) {
        return value.hasStringValue() ? "\"" + value.getStringValue() + "\"" : value.toString().strip();
    }

    private static String path(String key) {
        return "node.metadata." + PREFIX + key;
    }
}
