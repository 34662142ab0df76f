package dev.weft.proxy.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.weft.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The xDS resource types a Weft proxy subscribes to over ADS: how each is named on the wire,
 * decoded and keyed. LDS and CDS are wildcard subscriptions; RDS, EDS and SDS name what the listeners
 * and clusters use (SDS: the secrets their TLS contexts name that are not provided locally).
 */
public enum XdsType {
    CDS(Cluster.getDescriptor(), Cluster.parser(), m -> ((Cluster) m).getName(), true),
    EDS(ClusterLoadAssignment.getDescriptor(), ClusterLoadAssignment.parser(),
            m -> ((ClusterLoadAssignment) m).getClusterName(), false),
    LDS(Listener.getDescriptor(), Listener.parser(), m -> ((Listener) m).getName(), true),
    RDS(RouteConfiguration.getDescriptor(), RouteConfiguration.parser(), m -> ((RouteConfiguration) m).getName(), false),
    SDS(Secret.getDescriptor(), Secret.parser(), m -> ((Secret) m).getName(), false);

    private static final String PREFIX = "type.googleapis.com/";

    private final String kind;
    private final String typeUrl;
    private final Parser<? extends Message> parser;
    private final Function<Message, String> name;
    private final boolean wildcard;

    XdsType(Descriptor type, Parser<? extends Message> parser, Function<Message, String> name, boolean wildcard) {
        this.kind = type.getName();
        this.typeUrl = PREFIX + type.getFullName();
        this.parser = parser;
        this.name = name;
        this.wildcard = wildcard;
    }

    /** The resource's proto message name, as config error paths use it: {@code Listener[outbound]}. */
    public String kind() {
        return kind;
    }

    public String typeUrl() {
        return typeUrl;
    }

    /** Whether the subscription is to every resource of the type (LDS, CDS) rather than to names. */
    public boolean wildcard() {
        return wildcard;
    }

    /** The type of that URL, or null. */
    public static XdsType of(String typeUrl) {
        for (XdsType t : values()) {
            if (t.typeUrl.equals(typeUrl)) {
                return t;
            }
        }
        return null;
    }

    /**
     * Decodes a response's resources by name, in the order they came.
     *
     * @throws ConfigException for a resource of another type, one that does not decode, or a name
     *                         that is empty or given twice
     */
    Map<String, Message> decode(List<Any> resources) throws ConfigException {
        Map<String, Message> out = new LinkedHashMap<>();
        for (int i = 0; i < resources.size(); i++) {
            Any any = resources.get(i);
            String where = kind + "[#" + i + "]";
            if (!any.getTypeUrl().equals(typeUrl)) {
                throw new ConfigException(where, "expected " + typeUrl + ", got " + any.getTypeUrl());
            }
            Message m;
            try {
                m = parser.parseFrom(any.getValue());
            } catch (InvalidProtocolBufferException e) {
                throw new ConfigException(where, "cannot decode: " + e.getMessage(), e);
            }
            String n = name.apply(m);
            if (n.isEmpty()) {
                throw new ConfigException(where, "has no name");
            }
            if (out.put(n, m) != null) {
                throw new ConfigException(kind + "[" + n + "]", "is in the response twice");
            }
        }
        return out;
    }
}
