# python3 -m uvicorn --host 127.0.0.1 --port ${PORT} hello_asgi:app   (or: python3 hello_asgi.py)
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # or PYTHONPATH
from portico_integration import PorticoASGI, portico_info, uvicorn_options


async def hello(scope, receive, send):
    if scope["type"] != "http":
        return  # lifespan: nothing to set up
    info = portico_info(scope) or {}  # None without Portico
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": f"hello {info.get('user') or 'stranger'} from {info.get('client_address') or 'somewhere'}\n".encode()})

app = PorticoASGI(hello)  # checks the token on every http and websocket request

if __name__ == "__main__":
    import uvicorn
    uvicorn.run(app, **uvicorn_options())  # where Portico says: fd 3, PORTICO_SOCKET or the port
