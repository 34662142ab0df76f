package dev.weft.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class NackHoldingWatcherTest {
    private static final Node NODE = Node.newBuilder().setId("n").build();

    private final SimpleCache<String> cache = new SimpleCache<>(Node::getId);
    private final NackHoldingWatcher watcher = new NackHoldingWatcher(cache);
    private final List<String> sent = new CopyOnWriteArrayList<>();

    @Test
    void aNackOfTheCurrentVersionWaitsForTheNextChange() {
        // given: the proxy runs A and is sent the bad B
        cache.setSnapshot("n", snapshot("bad", "B"));
        request("A", false);

        // when: it rejects B, which is still the current version
        request("A", true);

        // then: B is not sent again; the next change is
        assertThat(sent).containsExactly("B");
        cache.setSnapshot("n", snapshot("good", "C"));
        assertThat(sent).containsExactly("B", "C");
    }

    @Test
    void aFixAppliedWhileTheProxyCheckedTheBadVersionIsSentOnItsNack() {
        // given: B was sent, and the fix C was applied before the proxy's NACK of B arrived
        cache.setSnapshot("n", snapshot("bad", "B"));
        request("A", false);
        cache.setSnapshot("n", snapshot("good", "C"));

        // when
        request("A", true);

        // then
        assertThat(sent).containsExactly("B", "C");
    }

    private void request(String version, boolean nack) {
        DiscoveryRequest.Builder r = DiscoveryRequest.newBuilder().setNode(NODE)
                .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL).setVersionInfo(version);
        if (nack) {
            r.setResponseNonce("0").setErrorDetail(Status.newBuilder().setCode(3).setMessage("bad"));
        }
        watcher.createWatch(true, XdsRequest.create(r.build()), Set.of(), response -> sent.add(response.version()),
                false, false);
    }

    private static Snapshot snapshot(String cluster, String version) {
        return Snapshot.create(List.of(Cluster.newBuilder().setName(cluster).build()), version,
                List.of(), "", List.of(), "", List.of(), "", List.of(), "");
    }
}
