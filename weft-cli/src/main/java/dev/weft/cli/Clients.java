package dev.weft.cli;

import dev.weft.api.Kind;
import dev.weft.api.ObjectMeta;

/** How the CLI names resources and picks a namespace. */
final class Clients {
    private Clients() {
    }

    /** {@code httproute/default/chat}: kind in lower case, namespace (when namespaced), name. */
    static String name(String kind, String namespace, String name) {
        String k = Kind.fromKindName(kind).map(Kind::kindName).orElse(kind).toLowerCase(java.util.Locale.ROOT);
        return namespace == null || namespace.isEmpty() ? k + "/" + name : k + "/" + namespace + "/" + name;
    }

    /** The namespace a command works in when the user gave none. */
    static String namespaceOrDefault(String namespace) {
        return namespace == null ? ObjectMeta.DEFAULT_NAMESPACE : namespace;
    }
}
