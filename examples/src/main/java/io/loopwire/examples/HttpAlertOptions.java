package io.loopwire.examples;

import io.loopwire.alert.AlertSink;
import io.loopwire.alert.AlertmanagerSink;
import io.loopwire.alert.HttpAlertConfig;
import io.loopwire.alert.TargetLabels;
import io.loopwire.alert.WebhookAlertSink;
import io.loopwire.metrics.AlertMetrics;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --alertmanager} and {@code --webhook} for the monitor (a picocli mixin), and building their sinks. */
final class HttpAlertOptions {
    @Option(names = "--alertmanager", paramLabel = "URL", description = "Push alerts to this Alertmanager (its base "
            + "URL, e.g. http://host:9093; API v2, re-sent every minute while firing).")
    String alertmanager;
    @Option(names = "--webhook", paramLabel = "URL", description = "POST each alert to this URL as JSON in "
            + "Alertmanager's webhook shape (version 4).")
    String webhook;
    @Option(names = "--external-url", paramLabel = "URL", description = "How people reach this monitor's page (e.g. "
            + "http://monitor.example:9100/); sent with --alertmanager and --webhook alerts as their link.")
    String externalUrl;

    private AlertmanagerSink alertmanagerSink;
    private WebhookAlertSink webhookSink;

    /** The sinks asked for (none if neither option is given); a bad URL is a usage error. */
    List<AlertSink> sinks(TargetLabels labels) {
        Args.check(externalUrl == null || alertmanager != null || webhook != null,
                "--external-url needs --alertmanager or --webhook");
        // Both URLs are checked before either sink starts its thread.
        HttpAlertConfig am = alertmanager == null ? null : config("--alertmanager", alertmanager);
        HttpAlertConfig hook = webhook == null ? null : config("--webhook", webhook);
        List<AlertSink> sinks = new ArrayList<>(2);
        if (am != null) {
            alertmanagerSink = new AlertmanagerSink(am, labels);
            sinks.add(alertmanagerSink);
        }
        if (hook != null) {
            webhookSink = new WebhookAlertSink(hook, labels, "loopwire");
            sinks.add(webhookSink);
        }
        return sinks;
    }

    private HttpAlertConfig config(String option, String url) {
        if (externalUrl != null) {
            // Checked like the endpoints: http(s), a host, no credentials.
            try {
                HttpAlertConfig.builder(externalUrl).build();
            } catch (IllegalArgumentException e) {
                throw new Args.UsageError("--external-url: " + e.getMessage());
            }
        }
        try {
            return HttpAlertConfig.builder(url).externalUrl(externalUrl).build();
        } catch (IllegalArgumentException e) {
            throw new Args.UsageError(option + ": " + e.getMessage());
        }
    }

    /** Adds the sinks built by {@link #sinks} to {@code metrics}. */
    AlertMetrics count(AlertMetrics metrics) {
        if (alertmanagerSink != null) {
            metrics.add("alertmanager", alertmanagerSink);
        }
        if (webhookSink != null) {
            metrics.add("webhook", webhookSink);
        }
        return metrics;
    }
}
