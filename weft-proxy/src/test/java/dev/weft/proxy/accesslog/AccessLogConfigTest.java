package dev.weft.proxy.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.proxy.config.BootstrapLoader;
import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.config.ProxySnapshot;
import dev.weft.proxy.it.Bootstraps;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** access_log entries of an http_connection_manager: what loads, and errors that name the field. */
class AccessLogConfigTest {
    private static final String HCM = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config";
    private static final String ROUTES = """
            - match: {prefix: "/"}
              direct_response: {status: 200}
            """;

    @TempDir
    Path dir;

    private static ProxySnapshot load(String accessLog) throws ConfigException {
        return BootstrapLoader.parse(Bootstraps.of(ROUTES, "", accessLog).replace("  clusters:\n", "  clusters: []\n"),
                "bootstrap.yaml");
    }

    @Test
    void fileAndStdoutLogsLoadWithTheirFormats() throws Exception {
        ProxySnapshot s = load("""
                access_log:
                - name: envoy.access_loggers.file
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                    path: %s
                - name: envoy.access_loggers.stdout
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
                    log_format:
                      text_format_source:
                        inline_string: "%%REQ(:METHOD)%% %%RESPONSE_CODE%%\\n"
                - name: json
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                    path: /dev/stdout
                    log_format:
                      json_format: {status: "%%RESPONSE_CODE%%", who: "%%DOWNSTREAM_PEER_URI_SAN%%"}
                      omit_empty_values: true
                """.formatted(dir.resolve("access.log")));

        AccessLogs logs = s.listeners().get(0).http().accessLogs();
        assertThat(logs.specs()).extracting(AccessLogs.Spec::target)
                .containsExactly(dir.resolve("access.log").toString(), AccessLogWriter.STDOUT, AccessLogWriter.STDOUT);
        assertThat(logs.specs().get(0).format()).isSameAs(LogFormat.DEFAULT);
        assertThat(logs.specs().get(1).format().isJson()).isFalse();
        assertThat(logs.specs().get(2).format().isJson()).isTrue();
    }

    @Test
    void withoutAccessLogsTheListenerHasNone() throws Exception {
        assertThat(load("").listeners().get(0).http().accessLogs()).isSameAs(AccessLogs.NONE);
    }

    @Test
    void anUnknownOperatorIsAnErrorAtItsField() {
        assertThatThrownBy(() -> load("""
                access_log:
                - name: envoy.access_loggers.stdout
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
                    log_format:
                      json_format: {status: "%RESPONSE_CODE%", flags: "%RESPONSE_FLAG%"}
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(HCM + ".access_log[0].typed_config.log_format.json_format.flags: "
                        + "unknown command operator %RESPONSE_FLAG%");
    }

    @Test
    void aFileInADirectoryThatDoesNotExistIsRefused() {
        assertThatThrownBy(() -> load("""
                access_log:
                - name: envoy.access_loggers.file
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                    path: %s
                """.formatted(dir.resolve("nope").resolve("access.log"))))
                .hasMessageStartingWith(HCM + ".access_log[0].typed_config.path: the directory of")
                .hasMessageEndingWith("does not exist");
    }

    @Test
    void unsupportedLoggersAndFieldsAreNamed() {
        assertThatThrownBy(() -> load("""
                access_log:
                - name: envoy.access_loggers.stderr
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StderrAccessLog
                """)).hasMessageContaining(HCM + ".access_log[0]");
        assertThatThrownBy(() -> load("""
                access_log:
                - name: envoy.access_loggers.stdout
                  filter: {runtime_filter: {runtime_key: access_log.sample}}
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
                """)).hasMessageStartingWith(HCM + ".access_log[0].filter.runtime_filter: is not supported by Weft");
        assertThatThrownBy(() -> load("""
                access_log:
                - name: envoy.access_loggers.stdout
                  filter: {and_filter: {filters: [{status_code_filter: {comparison: {op: GE, value: {default_value: 500, runtime_key: k}}}}]}}
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
                """)).hasMessageStartingWith(HCM + ".access_log[0].filter.and_filter.filters: needs at least 2 filters");
        assertThatThrownBy(() -> load("""
                access_log:
                - name: envoy.access_loggers.stdout
                  filter: {duration_filter: {comparison: {op: GE}}}
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
                """)).hasMessageStartingWith(HCM + ".access_log[0].filter.duration_filter.comparison.value: is required");
        assertThatThrownBy(() -> load("""
                access_log:
                - name: envoy.access_loggers.stdout
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
                    log_format: {text_format_source: {filename: /etc/format.txt}}
                """)).hasMessageStartingWith(HCM + ".access_log[0].typed_config.log_format.text_format_source: "
                        + "only inline_string is supported");
    }
}
