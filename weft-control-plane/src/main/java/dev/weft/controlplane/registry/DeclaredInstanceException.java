package dev.weft.controlplane.registry;

/** A run-time registration or deregistration named an instance that a {@code ServiceInstance} resource declares. */
public final class DeclaredInstanceException extends Exception {

    public DeclaredInstanceException(String namespace, String name) {
        super("ServiceInstance " + namespace + "/" + name + " is declared as a resource; change it with apply or "
                + "delete it as a resource");
    }
}
