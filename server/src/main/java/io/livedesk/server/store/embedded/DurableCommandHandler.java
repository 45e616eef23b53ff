package io.livedesk.server.store.embedded;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;
import de.bwaldvogel.mongo.exception.MongoServerException;
import de.bwaldvogel.mongo.wire.message.ClientRequest;
import de.bwaldvogel.mongo.wire.message.MessageHeader;
import de.bwaldvogel.mongo.wire.message.MongoMessage;
import de.bwaldvogel.mongo.wire.message.MongoQuery;
import de.bwaldvogel.mongo.wire.message.MongoReply;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * mongo-java-server's request handler (de.bwaldvogel.mongo.wire.MongoDatabaseHandler, 1.47.0),
 * with one difference: the answer to a command that changes data is sent only once the change is
 * durable. The command runs on the Netty event loop as before (under the collection's lock); the
 * event loop then goes on to other connections, and the answer is written from the committer's
 * thread when the group commit that covers it completes. Reads are answered at once and never
 * wait for a sync.
 *
 * <p>1.47.0 has no asynchronous command path in its backend, so the wait is here, between the
 * backend's answer and the wire. A command that failed is made durable too before its error is
 * answered: a failed multi-document write may have applied part of its changes.
 */
final class DurableCommandHandler extends SimpleChannelInboundHandler<ClientRequest> {

  private static final Logger log = LoggerFactory.getLogger(DurableCommandHandler.class);

  private final AtomicInteger idSequence;
  private final MongoBackend backend;
  private final ChannelGroup channels;
  private final GroupCommitter committer;

  DurableCommandHandler(MongoBackend backend, ChannelGroup channels, GroupCommitter committer, AtomicInteger idSequence) {
    this.backend = backend;
    this.channels = channels;
    this.committer = committer;
    this.idSequence = idSequence;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    channels.add(ctx.channel());
    log.debug("client {} connected", ctx.channel());
    super.channelActive(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    log.debug("channel {} closed", ctx.channel());
    channels.remove(ctx.channel());
    backend.handleClose(ctx.channel());
    super.channelInactive(ctx);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, ClientRequest request) {
    Channel channel = ctx.channel();
    if (request instanceof MongoMessage message) {
      Document body = message.getDocument();
      String command = body.keySet().iterator().next();
      Document answer = answer(body, () -> backend.handleMessage(message));
      reply(channel, command, body, answer, doc -> new MongoMessage(channel, responseHeader(message), doc));
    } else if (request instanceof MongoQuery query) {
      // the legacy opcode: only the driver's first handshake uses it, but a write command through it is durable too
      if (query.getCollectionName().startsWith("$cmd")) {
        Document actual = query.getQuery();
        String command = actual.keySet().iterator().next();
        if ("$query".equals(command)) {
          actual = (Document) actual.get("$query");
          command = actual.keySet().iterator().next();
        }
        Document body = actual;
        String name = command;
        Document answer = answer(body, () -> command(query, name, body));
        reply(channel, command, body, answer, doc -> new MongoReply(responseHeader(query), List.of(doc), 0));
      } else {
        QueryResult result = backend.handleQuery(query);
        channel.writeAndFlush(new MongoReply(responseHeader(query),
            result != null ? result.collectDocuments() : Collections.emptyList(), result != null ? result.getCursorId() : 0));
      }
    } else {
      throw new MongoServerException("unknown message: " + request);
    }
  }

  private Document command(MongoQuery query, String command, Document body) {
    if ("$cmd.sys.inprog".equals(query.getCollectionName())) {
      return new Document("inprog", backend.getCurrentOperations(query));
    }
    if (command.equals("ping")) {
      Document ok = new Document();
      Utils.markOkay(ok);
      return ok;
    }
    if (command.equals("serverStatus")) {
      return backend.getServerStatus();
    }
    return backend.handleCommand(query.getChannel(), query.getDatabaseName(), command, body);
  }

  private void reply(Channel channel, String command, Document body, Document answer, Function<Document, Object> wrap) {
    if (!WriteCommands.changesData(command, body)) {
      channel.writeAndFlush(wrap.apply(answer));
      return;
    }
    committer.durable(!WriteCommands.journaled(command)).whenComplete((ok, failure) -> {
      if (failure == null) {
        channel.writeAndFlush(wrap.apply(answer));
      } else {
        // the change is applied in memory but not durable: the client must not take it as acknowledged
        channel.writeAndFlush(wrap.apply(errorResponse(new MongoServerException(
            "the write could not be made durable: " + failure.getMessage(), failure))));
      }
    });
  }

  private static Document answer(Document body, java.util.function.Supplier<Document> handle) {
    try {
      return handle.get();
    } catch (MongoServerException e) {
      if (e.isLogError()) {
        log.error("failed to handle {}", body, e);
      }
      return errorResponse(e);
    } catch (RuntimeException e) {
      log.error("Unknown error!", e);
      return errorResponse(new MongoServerException("Unknown error: " + e.getMessage(), e));
    }
  }

  private MessageHeader responseHeader(ClientRequest request) {
    return new MessageHeader(idSequence.incrementAndGet(), request.getHeader().getRequestID());
  }

  private static Document errorResponse(MongoServerException exception) {
    Document error = new Document();
    error.put("$err", exception.getMessageWithoutErrorCode());
    error.put("errmsg", exception.getMessageWithoutErrorCode());
    if (exception instanceof MongoServerError e) {
      error.put("code", e.getCode());
      error.putIfNotNull("codeName", e.getCodeName());
    }
    error.put("ok", Integer.valueOf(0));
    return error;
  }
}
