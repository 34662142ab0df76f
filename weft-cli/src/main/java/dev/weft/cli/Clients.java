package dev.weft.cli;

import dev.weft.api.Kind;
import dev.weft.api.ObjectMeta;
import dev.weft.controlplane.client.ControlPlaneClient;
import dev.weft.controlplane.client.ControlPlaneException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;

/** How the CLI names resources and explains a failed call to the control plane. */
final class Clients {
    private Clients() {
    }

    /** {@code httproute/default/chat}: kind in lower case, namespace (when namespaced), name. */
    static String name(String kind, String namespace, String name) {
        String k = Kind.fromKindName(kind).map(Kind::kindName).orElse(kind).toLowerCase(java.util.Locale.ROOT);
        return namespace == null || namespace.isEmpty() ? k + "/" + name : k + "/" + namespace + "/" + name;
    }

    /** One line saying why a call to {@code client}'s server failed. */
    static String describe(ControlPlaneClient client, IOException e) {
        if (e instanceof ControlPlaneException) {
            return e.getMessage();
        }
        if (e instanceof ConnectException || e.getCause() instanceof ConnectException) {
            return "cannot reach the control plane at " + client.base() + " (is `weft control-plane` running? "
                    + "--server or $" + ServerOption.ENV + " chooses another)";
        }
        if (e instanceof HttpTimeoutException) {
            return "the control plane at " + client.base() + " did not answer in time";
        }
        return client.base() + ": " + e;
    }

    /** The namespace a command works in when the user gave none. */
    static String namespaceOrDefault(String namespace) {
        return namespace == null ? ObjectMeta.DEFAULT_NAMESPACE : namespace;
    }
}
