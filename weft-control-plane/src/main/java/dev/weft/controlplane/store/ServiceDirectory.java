package dev.weft.controlplane.store;

/** Answers, for the store's reference checks, whether a service has instances registered at run time. */
@FunctionalInterface
public interface ServiceDirectory {

    /** Whether run-time registrations (API or sidecar, healthy or not) exist for {@code namespace/service}. */
    boolean hasInstances(String namespace, String service);
}
