package dev.weft.cli;

import dev.weft.ca.TrustBundle;
import dev.weft.controlplane.ControlPlaneConfig;
import dev.weft.controlplane.client.ControlPlaneClient;
import dev.weft.controlplane.client.ControlPlaneException;
import dev.weft.controlplane.client.UntrustedControlPlaneException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The options of the commands that talk to a control plane's API: where it is ({@code --server}), the admin token
 * ({@code --token}) and the trust bundle its certificate must chain to ({@code --ca-file}). Each comes from its
 * option, else its environment variable, else {@code $WEFT_HOME/credentials.json} (which {@code weft control-plane}
 * and {@code weft demo} write), and the server finally defaults to {@code https://127.0.0.1:18080}. Errors say which
 * source a bad value came from.
 */
final class ServerOption {
    static final String ENV = "WEFT_SERVER";
    static final String TOKEN_ENV = "WEFT_TOKEN";
    static final String CA_FILE_ENV = "WEFT_CA_FILE";
    static final String DEFAULT_SERVER = "https://" + ControlPlaneConfig.DEFAULT_ADDRESS + ":"
            + ControlPlaneConfig.DEFAULT_API_PORT;

    @Option(names = {"-s", "--server"}, paramLabel = "URL",
            description = "The control plane's API, e.g. " + DEFAULT_SERVER + " (default: $" + ENV
                    + ", else the server in $WEFT_HOME/credentials.json, else that address).")
    private String server;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "The control plane's admin token (its <data-dir>/admin-token; default: $" + TOKEN_ENV
                    + ", else $WEFT_HOME/credentials.json).")
    private String token;

    @Option(names = "--ca-file", paramLabel = "FILE",
            description = "PEM trust bundle the control plane's certificate must chain to (its "
                    + "<data-dir>/ca/bundle.pem; default: $" + CA_FILE_ENV + ", else $WEFT_HOME/credentials.json).")
    private Path caFile;

    @Spec(Spec.Target.MIXEE)
    private CommandSpec command;

    /** Where the token and the trust bundle of the last {@link #client()} came from, for error messages. */
    private String tokenSource;
    private Path caFileUsed;
    private String caFileSource;
    private URI serverUsed;

    /**
     * The client for the chosen server, token and trust bundle.
     *
     * @throws ParameterException when the URL is not an https URL with a host: picocli reports it as a usage error
     *                            (exit code 2)
     * @throws CliException when there is no token or trust bundle, or the bundle cannot be read (exit code 1)
     */
    ControlPlaneClient client() {
        Optional<Credentials> stored = storedCredentials();
        String credentialsSource = Credentials.defaultFile().toString();
        String url;
        String serverSource;
        if (server != null) {
            url = server;
            serverSource = "--server";
        } else if (System.getenv(ENV) != null) {
            url = System.getenv(ENV);
            serverSource = "$" + ENV;
        } else if (stored.isPresent()) {
            url = stored.get().server().toString();
            serverSource = credentialsSource;
        } else {
            url = DEFAULT_SERVER;
            serverSource = "the default";
        }
        URI uri = parseServer(url, serverSource);

        String tokenUsed = null;
        if (token != null) {
            tokenUsed = token;
            tokenSource = "--token";
        } else if (System.getenv(TOKEN_ENV) != null) {
            tokenUsed = System.getenv(TOKEN_ENV);
            tokenSource = "$" + TOKEN_ENV;
        } else if (stored.isPresent()) {
            tokenUsed = stored.get().token();
            tokenSource = credentialsSource;
        }
        if (caFile != null) {
            caFileUsed = caFile;
            caFileSource = "--ca-file";
        } else if (System.getenv(CA_FILE_ENV) != null) {
            caFileUsed = Path.of(System.getenv(CA_FILE_ENV));
            caFileSource = "$" + CA_FILE_ENV;
        } else if (stored.isPresent()) {
            caFileUsed = stored.get().caFile();
            caFileSource = credentialsSource;
        }
        if (tokenUsed == null || caFileUsed == null) {
            throw new CliException("no credentials for the control plane at " + uri + ": give --token and --ca-file "
                    + "(or $" + TOKEN_ENV + " and $" + CA_FILE_ENV + ": the control plane's <data-dir>/admin-token "
                    + "and <data-dir>/ca/bundle.pem), or start `weft control-plane` or `weft demo`, which write them "
                    + "to " + credentialsSource);
        }
        serverUsed = uri;
        return new ControlPlaneClient(uri, tokenUsed, readBundle());
    }

    /** One line saying why a call to the control plane failed, naming where the credentials in question came from. */
    String describe(IOException e) {
        if (e instanceof ControlPlaneException refused && refused.status() == 401) {
            return "the control plane refused the admin token (from " + tokenSource + "): " + e.getMessage();
        }
        if (e instanceof ControlPlaneException) {
            return e.getMessage();
        }
        if (e instanceof UntrustedControlPlaneException untrusted) {
            return "the certificate of " + untrusted.server() + " did not verify against " + caFileUsed + " (from "
                    + caFileSource + "): " + untrusted.reason();
        }
        if (e instanceof ConnectException || e.getCause() instanceof ConnectException) {
            return "cannot reach the control plane at " + serverUsed + " (is `weft control-plane` running? "
                    + "--server or $" + ENV + " chooses another)";
        }
        if (e instanceof HttpTimeoutException || e.getCause() instanceof HttpTimeoutException) {
            return "the control plane at " + serverUsed + " did not answer in time";
        }
        return e.getMessage() != null ? e.getMessage() : serverUsed + ": " + e;
    }

    private Optional<Credentials> storedCredentials() {
        if (server != null && token != null && caFile != null) {
            return Optional.empty();
        }
        try {
            return Credentials.read(Credentials.defaultFile());
        } catch (IOException e) {
            throw new CliException("cannot read the stored credentials: " + e.getMessage()
                    + " (fix or delete the file, or give --server, --token and --ca-file)");
        }
    }

    private URI parseServer(String url, String source) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(command.commandLine(), "--server: '" + url + "' (from " + source
                    + ") is not a URL");
        }
        if ("http".equals(uri.getScheme())) {
            throw new ParameterException(command.commandLine(), "--server: '" + url + "' (from " + source
                    + "): the control plane's API is HTTPS only (expected: https://HOST:PORT)");
        }
        if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new ParameterException(command.commandLine(), "--server: '" + url + "' (from " + source
                    + ") (expected: https://HOST:PORT)");
        }
        return uri;
    }

    private TrustBundle readBundle() {
        String what = "the trust bundle " + caFileUsed + " (from " + caFileSource + ")";
        try {
            return TrustBundle.fromPem(Files.readString(caFileUsed, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw new CliException(what + " does not exist"
                    + (caFileSource.equals("--ca-file") ? "" : " (did its control plane stop or move its data?)"));
        } catch (IOException e) {
            throw new CliException(what + " cannot be read: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new CliException(what + " is not a PEM bundle of CA certificates: " + e.getMessage());
        }
    }
}
