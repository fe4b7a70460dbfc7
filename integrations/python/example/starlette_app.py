"""The Starlette example of integrations/python/README.md:
python3 -m uvicorn --host 127.0.0.1 --port ${PORT} starlette_app:app  (or: python3 starlette_app.py)"""
import asyncio, base64, os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from portico_integration import PorticoASGI, portico_info, uvicorn_options


async def echo(request):
    if request.url.path == "/crash":
        os._exit(3)
    if request.url.path == "/slow":  # in flight while the tests send SIGTERM
        print("slow: started", file=sys.stderr, flush=True)
        await asyncio.sleep(float(request.query_params.get("s", "1")))
    info = portico_info(request.scope)
    if info and info["client_certificate"]:
        info = dict(info, client_certificate=base64.b64encode(info["client_certificate"]).decode())
    print(f"served {request.url.path}", flush=True)
    return JSONResponse({"pid": os.getpid(), "path": request.url.path, "applPath": os.environ.get("PORTICO_APPL_PATH"),
                         "sawToken": any(k == b"x-portico-token" for k, _ in request.scope["headers"]), "portico": info})


async def ws_echo(websocket):
    await websocket.accept()
    user = (portico_info(websocket.scope) or {}).get("user")
    async for message in websocket.iter_text():
        await websocket.send_text(f"{user}: {message}")


app = PorticoASGI(Starlette(routes=[WebSocketRoute("/ws", ws_echo), Route("/{path:path}", echo)]))

if __name__ == "__main__":
    import uvicorn
    uvicorn.run(app, **uvicorn_options())
