package dev.weft.cli;

import dev.weft.controlplane.ControlPlaneConfig;
import dev.weft.controlplane.client.ControlPlaneClient;
import java.net.URI;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The {@code --server} option of the commands that talk to a control plane's HTTP API. */
final class ServerOption {
    static final String ENV = "WEFT_SERVER";

    @Option(names = {"-s", "--server"}, paramLabel = "URL",
            description = "The control plane's API, e.g. http://127.0.0.1:" + ControlPlaneConfig.DEFAULT_API_PORT
                    + " (default: $" + ENV + ", else that address).")
    private String server;

    @Spec(Spec.Target.MIXEE)
    private CommandSpec command;

    /**
     * The client for the chosen server.
     *
     * @throws ParameterException when the URL is not an http(s) URL with a host: picocli reports it as a usage
     *                            error (exit code 2)
     */
    ControlPlaneClient client() {
        String url = server != null ? server : System.getenv().getOrDefault(ENV,
                "http://" + ControlPlaneConfig.DEFAULT_ADDRESS + ":" + ControlPlaneConfig.DEFAULT_API_PORT);
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(command.commandLine(), "--server: '" + url + "' is not a URL");
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new ParameterException(command.commandLine(), "--server: '" + url + "' (expected: http://HOST:PORT)");
        }
        return new ControlPlaneClient(uri);
    }
}
