package dev.weft.proxy.route;

import static dev.weft.proxy.route.RouteFixtures.routes;
import static dev.weft.proxy.route.RouteFixtures.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.weft.proxy.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Values the route compiler cannot run: each error names its field path relative to the route configuration. */
class RouteConfigErrorsTest {
    private static ConfigException routesError(String routesJson) {
        return catchThrowableOfType(ConfigException.class, () -> routes(routesJson));
    }

    @Test
    void badRegexNamesTheRegexField() {
        // when
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> table("""
                {"virtual_hosts": [
                  {"name": "a", "domains": ["a.com"], "routes": [{"match": {"prefix": "/"}, "route": {"cluster": "c"}}]},
                  {"name": "b", "domains": ["b.com"], "routes": [{"match": {"safe_regex": {"regex": "/(v1"}}, "route": {"cluster": "c"}}]}]}"""));

        // then
        assertThat(e.path()).isEqualTo("virtual_hosts[1].routes[0].match.safe_regex.regex");
        assertThat(e.getMessage()).isEqualTo("virtual_hosts[1].routes[0].match.safe_regex.regex: missing closing )");
    }

    @Test
    void headerFormatterIsRejected() {
        // when
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> table("""
                {"virtual_hosts": [{"name": "a", "domains": ["*"],
                  "request_headers_to_add": [{"header": {"key": "x-ok", "value": "1"}},
                                             {"header": {"key": "x-client", "value": "%DOWNSTREAM_REMOTE_ADDRESS%"}}]}]}"""));

        // then
        assertThat(e.path()).isEqualTo("virtual_hosts[0].request_headers_to_add[1].header.value");
        assertThat(e.reason()).contains("header formatters are not supported");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no action          | [{"match": {"prefix": "/"}}]                                                              | virtual_hosts[0].routes[0]
            no path specifier  | [{"match": {}, "route": {"cluster": "c"}}]                                                | virtual_hosts[0].routes[0].match
            empty cluster      | [{"match": {"prefix": "/"}, "route": {"cluster": ""}}]                                    | virtual_hosts[0].routes[0].route.cluster
            cluster_header     | [{"match": {"prefix": "/"}, "route": {"cluster_header": "x-cluster"}}]                    | virtual_hosts[0].routes[0].route.cluster_header
            zero weights       | [{"match": {"prefix": "/"}, "route": {"weighted_clusters": {"clusters": [{"name": "a", "weight": 0}]}}}] | virtual_hosts[0].routes[0].route.weighted_clusters.clusters
            wrong total        | [{"match": {"prefix": "/"}, "route": {"weighted_clusters": {"total_weight": 10, "clusters": [{"name": "a", "weight": 3}]}}}] | virtual_hosts[0].routes[0].route.weighted_clusters.total_weight
            unnamed weighted   | [{"match": {"prefix": "/"}, "route": {"weighted_clusters": {"clusters": [{"weight": 3}]}}}] | virtual_hosts[0].routes[0].route.weighted_clusters.clusters[0].name
            weighted pseudo    | [{"match": {"prefix": "/"}, "route": {"weighted_clusters": {"clusters": [{"name": "a", "weight": 1}, {"name": "b", "weight": 1, "request_headers_to_add": [{"header": {"key": ":path", "value": "/x"}}]}]}}}] | virtual_hosts[0].routes[0].route.weighted_clusters.clusters[1].request_headers_to_add[0].header.key
            weighted remove    | [{"match": {"prefix": "/"}, "route": {"weighted_clusters": {"clusters": [{"name": "a", "weight": 1, "response_headers_to_remove": [""]}]}}}] | virtual_hosts[0].routes[0].route.weighted_clusters.clusters[0].response_headers_to_remove[0]
            two rewrites       | [{"match": {"prefix": "/"}, "route": {"cluster": "c", "prefix_rewrite": "/a", "regex_rewrite": {"pattern": {"regex": "a"}, "substitution": "b"}}}] | virtual_hosts[0].routes[0].route
            bad group          | [{"match": {"prefix": "/"}, "route": {"cluster": "c", "regex_rewrite": {"pattern": {"regex": "(a)"}, "substitution": "\\\\2"}}}] | virtual_hosts[0].routes[0].route.regex_rewrite.substitution
            auto host rewrite  | [{"match": {"prefix": "/"}, "route": {"cluster": "c", "auto_host_rewrite": true}}]        | virtual_hosts[0].routes[0].route
            cookie ttl         | [{"match": {"prefix": "/"}, "route": {"cluster": "c", "hash_policy": [{"cookie": {"name": "s", "ttl": "10s"}}]}}] | virtual_hosts[0].routes[0].route.hash_policy[0].cookie.ttl
            bad header regex   | [{"match": {"prefix": "/", "headers": [{"name": "x", "string_match": {"safe_regex": {"regex": "[a"}}}]}, "route": {"cluster": "c"}}] | virtual_hosts[0].routes[0].match.headers[0].string_match.safe_regex.regex
            scheme pseudo      | [{"match": {"prefix": "/", "headers": [{"name": ":scheme", "present_match": true}]}, "route": {"cluster": "c"}}] | virtual_hosts[0].routes[0].match.headers[0].name
            separated slash    | [{"match": {"path_separated_prefix": "/api/"}, "route": {"cluster": "c"}}]              | virtual_hosts[0].routes[0].match.path_separated_prefix
            status 199         | [{"match": {"prefix": "/"}, "direct_response": {"status": 199}}]                          | virtual_hosts[0].routes[0].direct_response.status
            body from file     | [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": {"filename": "/etc/motd"}}}] | virtual_hosts[0].routes[0].direct_response.body.filename
            remove host        | [{"match": {"prefix": "/"}, "route": {"cluster": "c"}, "request_headers_to_remove": ["x-a", "Host"]}] | virtual_hosts[0].routes[0].request_headers_to_remove[1]
            add authority      | [{"match": {"prefix": "/"}, "route": {"cluster": "c"}, "request_headers_to_add": [{"header": {"key": ":authority", "value": "x"}}]}] | virtual_hosts[0].routes[0].request_headers_to_add[0].header.key
            append and action  | [{"match": {"prefix": "/"}, "route": {"cluster": "c"}, "response_headers_to_add": [{"header": {"key": "x", "value": "1"}, "append": true, "append_action": "ADD_IF_ABSENT"}]}] | virtual_hosts[0].routes[0].response_headers_to_add[0]
            negative timeout   | [{"match": {"prefix": "/"}, "route": {"cluster": "c", "timeout": "-1s"}}]                 | virtual_hosts[0].routes[0].route.timeout
            """)
    void invalidValueNamesItsPath(String what, String routesJson, String path) {
        // when
        ConfigException e = routesError(routesJson);

        // then
        assertThat(e).as(what).isNotNull();
        assertThat(e.path()).as(what).isEqualTo(path);
    }

    @Test
    void directResponseBodyLargerThanTheLimitIsRejected() {
        // when
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> table("""
                {"max_direct_response_body_size_bytes": 4, "virtual_hosts": [{"name": "a", "domains": ["*"],
                  "routes": [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": {"inline_string": "hello"}}}]}]}"""));

        // then
        assertThat(e.path()).isEqualTo("virtual_hosts[0].routes[0].direct_response.body");
    }

    @Test
    void configLevelErrorsHaveTopLevelPaths() {
        // when
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> table("""
                {"response_headers_to_add": [{"header": {"key": "x-v", "value": "%START_TIME%"}}], "virtual_hosts": []}"""));

        // then
        assertThat(e.path()).isEqualTo("response_headers_to_add[0].header.value");
    }

    @Test
    void virtualHostNeedsADomain() {
        // when
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> table("{\"virtual_hosts\": [{\"name\": \"a\"}]}"));

        // then
        assertThat(e.path()).isEqualTo("virtual_hosts[0].domains");
    }

    @Test
    void virtualHostNamesAreUnique() {
        // when
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> table(
                "{\"virtual_hosts\": [{\"name\": \"a\", \"domains\": [\"a.com\"]}, {\"name\": \"a\", \"domains\": [\"b.com\"]}]}"));

        // then
        assertThat(e.path()).isEqualTo("virtual_hosts[1].name");
    }
}
