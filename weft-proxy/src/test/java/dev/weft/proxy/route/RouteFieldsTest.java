package dev.weft.proxy.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.proxy.config.SupportedFields;
import org.junit.jupiter.api.Test;

class RouteFieldsTest {
    @Test
    void registersWhatThePackageInterpretsAndNothingElse() {
        // given
        SupportedFields fields = new SupportedFields();

        // when
        RouteTable.registerFields(fields);

        // then
        assertThat(fields.list()).contains(
                "envoy.config.route.v3.VirtualHost.domains",
                "envoy.config.route.v3.RouteMatch.safe_regex",
                "envoy.config.route.v3.RouteAction.weighted_clusters",
                "envoy.config.route.v3.RetryPolicy.RetryBackOff.base_interval",
                "envoy.config.route.v3.RouteAction.HashPolicy.Cookie.name",
                "envoy.config.core.v3.HeaderValueOption.append_action",
                "envoy.type.matcher.v3.StringMatcher.ignore_case");
        assertThat(fields.list()).doesNotContain(
                "envoy.config.route.v3.RouteAction.cluster_header",
                "envoy.config.route.v3.RouteAction.HashPolicy.Cookie.ttl",
                "envoy.config.core.v3.DataSource.filename",
                "envoy.config.route.v3.VirtualHost.cors");
        assertThat(fields.list()).noneMatch(f -> f.startsWith("google.protobuf."));
        assertThat(fields.knows(io.envoyproxy.envoy.config.route.v3.RouteMatch.GrpcRouteMatchOptions.getDescriptor())).isTrue();
    }
}
