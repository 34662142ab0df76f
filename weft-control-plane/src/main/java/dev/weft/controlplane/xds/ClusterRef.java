package dev.weft.controlplane.xds;

/**
 * An outbound EDS cluster: a port of a service, or of one of its subsets ({@code subset} null: all instances).
 * Its name is {@code outbound|<service>.<namespace>|<port>} or {@code outbound|<service>.<namespace>|<port>|<subset>}.
 */
record ClusterRef(String namespace, String service, int port, String subset) implements Comparable<ClusterRef> {

    String name() {
        return "outbound|" + service + "." + namespace + "|" + port + (subset == null ? "" : "|" + subset);
    }

    @Override
    public int compareTo(ClusterRef other) {
        return name().compareTo(other.name());
    }
}
