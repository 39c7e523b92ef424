/**
 * The XML payloads carried in Content for non-text messages (protocol.md §10.4, §10.8), before
 * escaping. Shapes follow the recorded and documented samples; values are generated.
 */
import { xmlAttr } from './format.js';

export function imageXml(o: { fromId: string; md5: string; length: number; width: number; height: number }): string {
  return `<?xml version="1.0"?>\n<msg>\n\t<img aeskey="${'a'.repeat(32)}" encryver="1" cdnthumbaeskey="${'b'.repeat(32)}" cdnthumburl="3053020100044c304a0201000204${o.md5.slice(0, 8)}" cdnthumblength="2048" cdnthumbheight="${o.height}" cdnthumbwidth="${o.width}" cdnmidheight="0" cdnmidwidth="0" cdnhdheight="0" cdnhdwidth="0" cdnmidimgurl="3053020100044c30" length="${o.length}" md5="${o.md5}" />\n</msg>\n`;
}

export function voiceXml(o: { fromId: string; ms: number; length: number }): string {
  return `<msg><voicemsg endflag="1" cancelflag="0" forwardflag="0" voiceformat="4" voicelength="${o.ms}" length="${o.length}" bufid="0" clientmsgid="sandbox" fromusername="${xmlAttr(o.fromId)}" /></msg>`;
}

export function videoXml(o: { fromId: string; seconds: number; length: number; md5: string }): string {
  return `<?xml version="1.0"?>\n<msg>\n\t<videomsg aeskey="${'c'.repeat(32)}" cdnthumbaeskey="${'d'.repeat(32)}" cdnvideourl="3053020100" cdnthumburl="3053020100" length="${o.length}" playlength="${o.seconds}" cdnthumblength="2048" cdnthumbwidth="160" cdnthumbheight="90" fromusername="${xmlAttr(o.fromId)}" md5="${o.md5}" newmd5="${o.md5}" isad="0" />\n</msg>\n`;
}

export function emojiXml(o: { fromId: string; toId: string; md5: string; len: number; store: boolean }): string {
  return `<msg><emoji fromusername="${xmlAttr(o.fromId)}" tousername="${xmlAttr(o.toId)}" type="2" idbuffer="media:0_0" md5="${o.md5}" len="${o.len}" productid="${o.store ? 'com.tencent.xin.emoticon.sandbox' : ''}" androidmd5="${o.md5}" androidlen="${o.len}" s60v3md5="${o.md5}" s60v3len="${o.len}" s60v5md5="${o.md5}" s60v5len="${o.len}" cdnurl="http://emoji.qpic.cn/wx_emoji/sandbox/" designerid="" thumburl="" encrypturl="" aeskey="" externurl="" externmd5="" width="120" height="120" tpurl="" tpauthkey="" attachedtext="" attachedtextcolor="" lensid="" ></emoji></msg>`;
}

export function appMsgXml(o: {
  type: number;
  title: string;
  des?: string;
  url?: string;
  totallen?: number;
  attachid?: string;
  fileext?: string;
  fromId: string;
  appid?: string;
}): string {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return (
    `<msg><appmsg appid="${o.appid ?? ''}" sdkver="0"><title>${esc(o.title)}</title><des>${esc(o.des ?? '')}</des><action></action>` +
    `<type>${o.type}</type><showtype>0</showtype><content></content><url>${esc(o.url ?? '')}</url><dataurl></dataurl><lowurl></lowurl><lowdataurl></lowdataurl>` +
    `<recorditem></recorditem><thumburl></thumburl><messageaction></messageaction><extinfo></extinfo><sourceusername></sourceusername><sourcedisplayname></sourcedisplayname><commenturl></commenturl>` +
    `<appattach><totallen>${o.totallen ?? 0}</totallen><attachid>${o.attachid ?? ''}</attachid><emoticonmd5></emoticonmd5><fileext>${esc(o.fileext ?? '')}</fileext><cdnattachurl></cdnattachurl><aeskey></aeskey><encryver>0</encryver></appattach>` +
    `<md5></md5></appmsg><fromusername>${xmlAttr(o.fromId)}</fromusername><scene>0</scene><appinfo><version>1</version><appname></appname></appinfo><commenturl></commenturl></msg>`
  );
}

export function locationOriXml(o: { lat: number; lng: number; label: string }): string {
  return `<?xml version="1.0"?>\n<msg>\n\t<location x="${o.lat}" y="${o.lng}" scale="16" label="${xmlAttr(o.label)}" maptype="0" poiname="[位置]" poiid="" />\n</msg>\n`;
}

export function cardXml(o: { id: string; nick: string; alias: string; province: string; city: string; sex: number; official: boolean }): string {
  return `<?xml version="1.0"?>\n<msg bigheadimgurl="" smallheadimgurl="" username="${xmlAttr(o.id)}" nickname="${xmlAttr(o.nick)}" shortpy="" alias="${xmlAttr(o.alias)}" imagestatus="3" scene="17" province="${xmlAttr(o.province)}" city="${xmlAttr(o.city)}" sign="" sex="${o.sex}" certflag="${o.official ? 24 : 0}" certinfo="" brandIconUrl="" brandHomeUrl="" brandSubscriptConfigUrl="" brandFlags="0" regionCode="CN" antispamticket="v2_sandbox@stranger" />\n`;
}

export function friendRequestXml(o: {
  fromId: string;
  encrypt: string;
  nick: string;
  greeting: string;
  ticket: string;
  province: string;
  city: string;
  sex: number;
  alias: string;
}): string {
  return `<msg fromusername="${xmlAttr(o.fromId)}" encryptusername="${xmlAttr(o.encrypt)}" fromnickname="${xmlAttr(o.nick)}" content="${xmlAttr(o.greeting)}" fullpy="" shortpy="" imagestatus="3" scene="14" country="CN" province="${xmlAttr(o.province)}" city="${xmlAttr(o.city)}" sign="" percard="1" sex="${o.sex}" alias="${xmlAttr(o.alias)}" weibo="" albumflag="0" albumstyle="0" albumbgimgid="" snsflag="1" snsbgimgid="" snsbgobjectid="0" mhash="" mfullhash="" bigheadimgurl="" smallheadimgurl="" ticket="${xmlAttr(o.ticket)}" opcode="2" googlecontact="" qrticket="" chatroomusername="" sourceusername="" sourcenickname=""><brandlist count="0" ver="0"></brandlist></msg>`;
}

export function revokeXml(o: { session: string; msgId: string; oldMsgId: string; replace: string }): string {
  return `<sysmsg type="revokemsg"><revokemsg><session>${o.session}</session><oldmsgid>${o.oldMsgId}</oldmsgid><msgid>${o.msgId}</msgid><replacemsg><![CDATA[${o.replace}]]></replacemsg></revokemsg></sysmsg>`;
}
