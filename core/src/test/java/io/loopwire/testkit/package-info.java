/** Test helpers shared by every module's tests through core's test-jar: external processes, a nats-server, the chat script. */
package io.loopwire.testkit;
