"""Localized socket messages: the same errno, printed in the user's language.

A program's `strerror`/`FormatMessage` text follows the locale, so a refused connection on a German or
Chinese machine never says "refused". The wordings below are the C library's and Windows' own: the glibc
translations are copied from its message catalogs (`/usr/share/locale/<lang>/LC_MESSAGES/libc.mo`, msgids
"Connection refused", "Connection timed out", "Connection reset by peer", "No route to host", "Network is
unreachable"); the Windows ones (WSAECONNREFUSED, WSAETIMEDOUT, WSAECONNRESET, WSAENETDOWN) are the
localized texts users pasted. Each maps like its English original and comes after every English network
rule, so an English wording in the same chain decides first. Resolver messages wait for real texts to
exercise them (every rule must be met by a corpus entry).
"""

from __future__ import annotations

from infraprobe.classifier.model import Rule, rule
from infraprobe.taxonomy import Cause as C

# ECONNREFUSED (glibc de/fr/es/pt_BR/pt/it/ru/ja/zh_CN/zh_TW/ko/pl/nl/tr/uk/cs/sv), then WSAECONNREFUSED
# as Windows prints it in German, Chinese and Spanish.
_REFUSED = (
    "verbindungsaufbau abgelehnt",
    "connexion refusée",
    "conexión rehusada",
    "conexão recusada",
    "ligação recusada",
    "connessione rifiutata",
    "в соединении отказано",
    "接続を拒否されました",
    "拒绝连接",
    "連線被拒絕",
    "연결이 거부됨",
    "połączenie odrzucone",
    "verbinding is geweigerd",
    "bağlantı reddedildi",
    "у з'єднанні відмовлено",
    "spojení odmítnuto",
    "förbindelsen förvägrad",
    "da der zielcomputer die verbindung verweigerte",
    "由于目标计算机积极拒绝",
    "denegó expresamente dicha conexión",
)

# ETIMEDOUT, then Windows' WSAETIMEDOUT in Chinese ("the connected party did not properly respond ...").
_TIMED_OUT = (
    "die wartezeit für die verbindung ist abgelaufen",
    "connexion terminée par expiration du délai d'attente",
    "expiró el tiempo de conexión",
    "tempo esgotado para conexão",
    "ligação expirada",
    "connessione scaduta",
    "время ожидания соединения истекло",
    "接続がタイムアウトしました",
    "连接超时",
    "連線超過時間",
    "연결 시간 초과",
    "przekroczony czas oczekiwania na połączenie",
    "verbinding is verlopen",
    "bağlantıda zaman aşımı",
    "перевищено інтервал очікування з'єднання",
    "förbindelsens tidsgräns löpte ut",
    "由于连接方在一段时间后没有正确答复",
)

# ECONNRESET, then Windows' WSAECONNRESET in Russian ("the remote host forcibly closed an existing connection")
_RESET = (
    "die verbindung wurde vom kommunikationspartner zurückgesetzt",
    "connexion ré-initialisée par le correspondant",
    "conexión reinicializada por la máquina remota",
    "conexão fechada pela outra ponta",
    "ligação reposta pelo peer",
    "connessione interrotta dal corrispondente",
    "соединение разорвано другой стороной",
    "接続が相手からリセットされました",
    "连接被对方重设",
    "連線被對方重設",
    "상대편이 연결을 끊음",
    "połączenie zerwane przez drugą stronę",
    "bağlantı karşıdan kesildi",
    "spojení zrušeno druhou stranou",
    "förbindelse borttagen av partnern",
    "удаленный хост принудительно разорвал существующее",
)

# EHOSTUNREACH, ENETUNREACH, then Windows' WSAENETDOWN in German ("the network was down during a socket operation")
_UNREACHABLE = (
    "keine route zum zielrechner",
    "das netzwerk ist nicht erreichbar",
    "aucun chemin d'accès pour atteindre l'hôte cible",
    "le réseau n'est pas accessible",
    "la red es inaccesible",
    "não há rota para o host",
    "a rede está fora de alcance",
    "nessun instradamento per l'host",
    "la rete non è raggiungibile",
    "нет маршрута до узла",
    "сеть недоступна",
    "ホストへの経路がありません",
    "没有到主机的路由",
    "网络不可达",
    "brak trasy do hosta",
    "sieć jest niedostępna",
    "geen route naar host",
    "netwerk is onbereikbaar",
    "bei einem socketvorgang war das netzwerk inaktiv",
)

LOCALIZED: tuple[Rule, ...] = (
    rule("localized_refused", C.CONNECTION_REFUSED, _REFUSED),
    rule("localized_unreachable", C.NETWORK_UNREACHABLE, _UNREACHABLE),
    rule("localized_timed_out", C.CONNECT_TIMEOUT, _TIMED_OUT, by_phase="timeout"),
    rule("localized_reset", C.CONNECTION_RESET, _RESET),
)
