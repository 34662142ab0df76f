package dev.weft.api.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.api.registry.ServiceInstanceSpec;
import dev.weft.api.registry.ServiceProtocol;

/** Reads and writes registry {@code ServiceInstance} specs. */
public final class ServiceInstanceCodec implements SpecCodec<ServiceInstanceSpec> {

    @Override
    public ServiceInstanceSpec read(JsonNode node, String path, Problems problems) {
        FieldReader spec = FieldReader.of(node, path, problems, "service", "address", "port", "protocol", "ttl");
        String service = GatewayCommon.objectName(spec, "service");
        String address = spec.requiredString("address");
        GatewayCommon.check(spec, "address", address, Formats::address);
        Integer port = spec.requiredInteger("port", 1, 65535);
        ServiceProtocol protocol = spec.enumeration("protocol", ServiceProtocol.values(), ServiceProtocol::name);
        return new ServiceInstanceSpec(service, address, port == null ? 0 : port, protocol,
                DestinationPolicyCodec.positive(spec, "ttl"));
    }

    @Override
    public ObjectNode write(ServiceInstanceSpec spec) {
        ObjectNode node = Json.object();
        node.put("service", spec.service());
        node.put("address", spec.address());
        node.put("port", spec.port());
        Json.put(node, "protocol", spec.protocol() == null ? null : spec.protocol().name());
        Json.put(node, "ttl", spec.ttl());
        return node;
    }
}
