package dev.weft.controlplane.stats;

/**
 * The labels the control plane's views group a proxy's request metrics by: who reported them ({@code source}: the
 * caller's sidecar, {@code destination}: the callee's), the calling workload and the called service.
 */
public record TrafficKey(String reporter, String sourceWorkload, String sourceNamespace, String destinationService,
                         String destinationNamespace) {

    public static final String SOURCE = "source";
    public static final String DESTINATION = "destination";

    /** The called service, its name and namespace read as {@link ServiceKey#of} reads them. */
    public ServiceKey destination() {
        return ServiceKey.of(destinationService, destinationNamespace);
    }

    /** The calling workload (for a sidecar, its service). */
    public ServiceKey source() {
        return ServiceKey.of(sourceWorkload, sourceNamespace);
    }
}
