// LTI Platform Storage (platform side): the answer to one lti.* storage message from the
// tool, or null for a message this is not for. Values live in `store` (this page only).
function sandboxStorageAnswer(msg, store, frameName, capabilities) {
  var reply = { message_id: msg.message_id };
  if (msg.subject === "lti.capabilities") {
    if (!capabilities) return null;
    reply.subject = "lti.capabilities.response";
    reply.supported_messages = ["lti.get_data", "lti.put_data"].map(function (subject) {
      return frameName ? { subject: subject, frame: frameName } : { subject: subject };
    });
  } else if (msg.subject === "lti.put_data") {
    reply.subject = "lti.put_data.response";
    store.set(msg.key, msg.value);
    reply.key = msg.key; reply.value = msg.value;
  } else if (msg.subject === "lti.get_data") {
    reply.subject = "lti.get_data.response";
    reply.key = msg.key;
    if (store.has(msg.key)) { reply.value = store.get(msg.key); }
    else { reply.error = { code: "bad_request", message: "no value stored for this key" }; }
  } else {
    return null;
  }
  return reply;
}
