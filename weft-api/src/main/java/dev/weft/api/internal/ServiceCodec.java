package dev.weft.api.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.api.policy.MtlsMode;
import dev.weft.api.registry.ServicePort;
import dev.weft.api.registry.ServiceProtocol;
import dev.weft.api.registry.ServiceSpec;
import java.util.List;

/** Reads and writes registry {@code Service} specs. */
public final class ServiceCodec implements SpecCodec<ServiceSpec> {

    @Override
    public ServiceSpec read(JsonNode node, String path, Problems problems) {
        FieldReader spec = FieldReader.of(node, path, problems, "ports", "serviceAccounts", "mtls");
        List<ServicePort> ports = spec.objects("ports", 64, new String[] {"name", "port", "protocol"}, p -> {
            String name = p.string("name");
            GatewayCommon.check(p, "name", name, Formats::label);
            Integer port = p.requiredInteger("port", 1, 65535);
            ServiceProtocol protocol = p.enumeration("protocol", ServiceProtocol.values(), ServiceProtocol::name);
            return new ServicePort(name, port == null ? 0 : port,
                    protocol == null ? ServiceProtocol.HTTP : protocol);
        });
        if (spec.missing("ports")) {
            spec.error("ports", "is required: at least one port");
        }
        JsonNode given = spec.raw("ports");
        for (int i = 0; ports.size() > 1 && i < given.size(); i++) {
            if (given.get(i).isObject() && !given.get(i).hasNonNull("name")) {
                spec.problems().add(Paths.field(Paths.index(spec.path("ports"), i), "name"),
                        "is required when the Service has more than one port");
            }
        }
        GatewayCommon.rejectDuplicateNames(spec, "ports", ports, ServicePort::name, false);
        for (int j = 0; j < ports.size(); j++) {
            for (int i = 0; i < j; i++) {
                if (ports.get(j).port() != 0 && ports.get(i).port() == ports.get(j).port()) {
                    spec.problems().add(Paths.field(Paths.index(spec.path("ports"), j), "port"),
                            "duplicate port " + ports.get(j).port() + " (also ports[" + i + "])");
                }
            }
        }
        List<String> accounts = spec.strings("serviceAccounts", 64, Formats::label);
        for (int j = 0; j < accounts.size(); j++) {
            if (accounts.indexOf(accounts.get(j)) != j) {
                spec.problems().add(Paths.index(spec.path("serviceAccounts"), j),
                        "duplicate service account " + accounts.get(j));
            }
        }
        MtlsMode mode = null;
        FieldReader mtls = spec.object("mtls", "mode");
        if (mtls != null) {
            mode = mtls.enumeration("mode", MtlsMode.values(), MtlsMode::name);
            if (mtls.missing("mode")) {
                mtls.error("mode", "is required: STRICT, PERMISSIVE or DISABLE");
            }
        }
        return new ServiceSpec(ports, accounts, mode);
    }

    @Override
    public ObjectNode write(ServiceSpec spec) {
        ObjectNode node = Json.object();
        Json.putList(node, "ports", spec.ports(), port -> {
            ObjectNode p = Json.object();
            Json.put(p, "name", port.name());
            p.put("port", port.port());
            p.put("protocol", port.protocol().name());
            return p;
        });
        Json.putStrings(node, "serviceAccounts", spec.serviceAccounts());
        if (spec.mtlsMode() != null) {
            node.putObject("mtls").put("mode", spec.mtlsMode().name());
        }
        return node;
    }
}
