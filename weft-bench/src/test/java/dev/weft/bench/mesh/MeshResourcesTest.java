package dev.weft.bench.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.weft.api.Kind;
import dev.weft.api.Resource;
import dev.weft.api.gateway.HttpBackendRef;
import dev.weft.api.gateway.HttpRouteSpec;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class MeshResourcesTest {

    @Test
    void chatIsTheDemosServicePolicyAndRouteWithTheGivenWeights() {
        // when the 0:100 route is built
        List<Resource<?>> chat = MeshResources.chat(0, 100);

        // then it passes the resource model's validation and holds the three kinds
        assertThat(chat).extracting(Resource::kind)
                .containsExactly(Kind.SERVICE, Kind.DESTINATION_POLICY, Kind.HTTP_ROUTE);
        HttpRouteSpec route = (HttpRouteSpec) chat.get(2).spec();
        assertThat(route.rules().get(0).backendRefs()).extracting(HttpBackendRef::name, HttpBackendRef::weight)
                .containsExactly(tuple("chat-v1", 0), tuple("chat-v2", 100));
    }

    @Test
    void meshHasAServiceTwoInstancesAndARoutePerService() {
        // when a 3-service mesh is built
        List<Resource<?>> mesh = MeshResources.mesh(3);

        // then every service has its four resources, all valid
        Map<Kind, Long> byKind = mesh.stream().collect(Collectors.groupingBy(Resource::kind, Collectors.counting()));
        assertThat(byKind).containsExactlyInAnyOrderEntriesOf(
                Map.of(Kind.SERVICE, 3L, Kind.SERVICE_INSTANCE, 6L, Kind.HTTP_ROUTE, 3L));
        assertThat(mesh.stream().map(r -> r.metadata().name()).collect(Collectors.toSet()))
                .contains("svc-0000", "svc-0002-v1", "svc-0002-v2");
    }
}
