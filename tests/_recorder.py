"A stand-in for the kernel comm of an anywidget: it records what the widget sends to the browser."


class Recorder:
    "Stands in for the kernel comm and records what the widget sends to the browser."

    kernel, comm_id = object(), "recorder"

    def __init__(self):
        self.sent = []

    def send(self, data=None, metadata=None, buffers=None):
        self.sent.append((data, buffers))

    def close(self, *args, **kwargs):
        pass

    def on_msg(self, *args):
        pass
