package dev.weft.controlplane.xds;

import dev.weft.api.Kind;
import dev.weft.api.Resource;
import dev.weft.api.ResourceKey;
import dev.weft.api.registry.ServiceSpec;
import dev.weft.ca.SpiffeId;
import dev.weft.controlplane.store.StoreSnapshot;
import io.envoyproxy.controlplane.server.exception.RequestException;
import io.grpc.Status;
import java.util.List;
import java.util.function.Supplier;

/**
 * Decides whether an ADS stream may be the node it names: the node's {@code weft.namespace} must be the namespace of
 * the stream's client certificate, and a sidecar's certificate account must be one of its service's accounts
 * ({@code serviceAccounts}, or the service's name), so a workload cannot ask for (or register as) another's
 * configuration. Without TLS ({@code --insecure-xds}) every node is admitted, without identity.
 */
final class NodeAdmission {

    private final boolean requireIdentity;
    private final Supplier<StoreSnapshot> store;

    NodeAdmission(boolean requireIdentity, Supplier<StoreSnapshot> store) {
        this.requireIdentity = requireIdentity;
        this.store = store;
    }

    /**
     * The node with its verified identity.
     *
     * @param client the SPIFFE ID of the stream's client certificate, or null when it sent none
     * @throws RequestException UNAUTHENTICATED without a client certificate when one is required, PERMISSION_DENIED
     *                          naming the node's value and the certificate's when they do not fit
     */
    NodeInfo admit(NodeInfo node, SpiffeId client) throws RequestException {
        if (client == null) {
            if (requireIdentity) {
                throw new RequestException(Status.UNAUTHENTICATED.withDescription("xDS needs the workload's "
                        + "certificate (SVID) as TLS client certificate; none was sent"));
            }
            return node;
        }
        if (!client.namespace().equals(node.namespace())) {
            throw new RequestException(Status.PERMISSION_DENIED.withDescription("node " + node.id() + ": "
                    + "node.metadata.weft.namespace is \"" + node.namespace() + "\" but the client certificate is "
                    + client + " (namespace \"" + client.namespace() + "\")"));
        }
        if (node.role() == NodeInfo.Role.SIDECAR) {
            List<String> accounts = accounts(node.namespace(), node.service());
            if (!accounts.contains(client.account())) {
                throw new RequestException(Status.PERMISSION_DENIED.withDescription("node " + node.id() + ": "
                        + "service " + node.service() + "." + node.namespace() + " runs as account(s) " + accounts
                        + " but the client certificate is " + client + " (account \"" + client.account() + "\")"));
            }
        }
        return node.withIdentity(client);
    }

    private List<String> accounts(String namespace, String service) {
        return store.get().get(new ResourceKey(Kind.SERVICE, namespace, service))
                .map(Resource::spec)
                .filter(ServiceSpec.class::isInstance)
                .map(spec -> ((ServiceSpec) spec).accountsOr(service))
                .orElse(List.of(service));
    }
}
