package dev.weft.api.registry;

import dev.weft.api.Kind;
import dev.weft.api.Spec;
import dev.weft.api.policy.MtlsMode;
import java.util.List;

/**
 * The spec of a {@code Service} in the registry: its ports (at least one; port names are required when there are
 * several), the service accounts its workloads run as (the SPIFFE identities a caller's sidecar accepts from it;
 * empty means the account named as the service), and an optional mTLS mode overriding the MeshConfig's.
 */
public record ServiceSpec(List<ServicePort> ports, List<String> serviceAccounts, MtlsMode mtlsMode) implements Spec {

    public ServiceSpec {
        ports = ports == null ? List.of() : List.copyOf(ports);
        serviceAccounts = serviceAccounts == null ? List.of() : List.copyOf(serviceAccounts);
    }

    public ServiceSpec(List<ServicePort> ports) {
        this(ports, List.of(), null);
    }

    /** The accounts a caller accepts from this service's workloads: {@code serviceAccounts}, or {@code [service]}. */
    public List<String> accountsOr(String serviceName) {
        return serviceAccounts.isEmpty() ? List.of(serviceName) : serviceAccounts;
    }

    @Override
    public Kind kind() {
        return Kind.SERVICE;
    }
}
