/**
 * Test helpers shared by every module's tests through core's test-jar: external processes, a nats-server, the chat
 * script, Prometheus and Alertmanager, a small JSON reader.
 */
package io.loopwire.testkit;
