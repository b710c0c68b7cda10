// gridgov — interface text in Chinese (default) and English. GG.t(key, vars) looks a key up in the current
// language; {name} in a string is replaced from vars.
(function () {
  'use strict';
  var GG = window.GG = window.GG || {};

  var zh = {
    htmlLang: 'zh-CN', appName: '网格化治理',
    'nav.home': '首页', 'nav.dispatch': '调度', 'nav.report': '我要上报', 'nav.my': '我的上报',
    'nav.planner': '规划分析', 'nav.field': '网格巡查',
    'auth.signin': '工作人员登录', 'auth.signout': '退出', 'auth.title': '工作人员登录',
    'auth.help': '粘贴 gridgov token 生成的令牌（也可打开带 #token=… 的链接）。',
    'auth.remember': '在此设备上记住', 'auth.ok': '登录', 'auth.cancel': '取消',
    'auth.bad': '这不是有效的 gridgov 令牌', 'auth.expired': '令牌已过期，请重新获取',
    'auth.needed': '此页面需要工作人员令牌。', 'auth.wrongRole': '当前令牌的角色（{role}）不能使用此页面。',
    'auth.as': '{role} · {unit}',
    'role.resident': '居民', 'role.grid_worker': '网格员', 'role.grid_chief': '网格长', 'role.dispatcher': '调度员',
    'role.department': '职能部门', 'role.planner': '规划分析', 'role.admin': '管理员', 'role.open311': 'Open311',
    'role.system': '系统',
    'landing.title': '青州市网格化治理', 'landing.lead': '小事不出网格、大事不出社区、难事不出街道。请选择您的入口：',
    'landing.dispatch': '调度员', 'landing.dispatchText': '实时地图、案件列表与处置流程',
    'landing.report': '居民上报', 'landing.reportText': '在地图上标点，拍照描述问题',
    'landing.my': '我的上报', 'landing.myText': '查看进展，对办结结果评价',
    'landing.planner': '规划分析', 'landing.plannerText': '热点分析与考核指标',
    'landing.field': '网格巡查', 'landing.fieldText': '最近的任务与巡查路线',
    'landing.mapHint': '点击地图查看街道、社区、网格、楼院。',
    'level.street': '街道', 'level.community': '社区', 'level.grid': '网格', 'level.building': '楼院',
    'level.road': '道路', 'level.discuss_point': '说事议事点',
    code: '编码', name: '名称', parent: '上级', loading: '正在加载…', none: '无', close: '关闭', retry: '重试',
    'status.reported': '已上报', 'status.heard': '已受理', 'status.deliberating': '议事中', 'status.decided': '已定事',
    'status.dispatched': '已派遣', 'status.in_progress': '处置中', 'status.resolved': '已处置', 'status.verified': '已核查',
    'status.closed': '已结案', 'status.suspended': '挂账', 'status.cancelled': '已撤销', 'status.open': '全部未结',
    'status.all': '全部状态', overdue: '超期',
    'class.immediate': '即办', 'class.pending': '待办', 'class.escalate': '上报', 'class.suggestion': '建议', 'class.redo': '重办',
    'domain.party_building': '网格党建', 'domain.economic_development': '经济发展', 'domain.social_governance': '社会治理',
    'domain.environmental_protection': '环境保护', 'domain.market_supervision': '市场监管',
    'domain.public_services': '公共服务', 'domain.emergency_safety': '应急安全',
    'cat.all': '全部类别', 'unit.all': '全部社区/网格',
    'action.hear': '受理', 'action.schedule': '提交议事', 'action.decide': '民主定事', 'action.dispatch': '派遣',
    'action.start': '开始处置', 'action.resolve': '办结', 'action.verify': '核查', 'action.rate': '评价',
    'action.conclude': '结束评价', 'action.escalate': '上报上级', 'action.return': '退回', 'action.suspend': '挂账',
    'action.resume': '恢复', 'action.cancel': '撤销', 'action.merge': '合并', 'action.report': '上报',
    'f.classification': '分类', 'f.point_code': '议事点编码', 'f.yes': '赞成', 'f.no': '反对', 'f.abstain': '弃权',
    'f.owner': '承办单位编码', 'f.to': '派往（单位或部门编码）', 'f.due_at': '期限（可选）', 'f.note': '说明',
    'f.photo': '照片', 'f.passed': '核查通过', 'f.rating': '评价', 'f.reason': '原因', 'f.into': '合并到案件编号',
    'rating.satisfied': '满意', 'rating.basically_satisfied': '基本满意', 'rating.unsatisfied': '不满意',
    'd.live': '实时', 'd.offline': '连接中断，正在重连…', 'd.cases': '{n} 件', 'd.new': '新',
    'd.noCases': '没有符合条件的案件', 'd.history': '办理过程', 'd.actions': '可执行操作', 'd.noActions': '您对此案件暂无可执行操作',
    'd.done': '已执行：{action}', 'd.legendOverdue': '红圈：超期', 'd.due': '期限', 'd.assignee': '承办',
    'd.reporter': '上报人', 'd.photos': '照片（{n}）', 'd.photo': '照片 {i}', 'd.created': '上报时间', 'd.place': '位置', 'd.supporters': '附议 {n} 人', 'd.back': '返回列表',
    'd.submit': '确定', 'd.newCase': '新案件 #{id}：{category}',
    'r.title': '我要上报', 'r.step1': '1. 位置', 'r.pinHint': '点击地图或拖动图钉标出问题位置。', 'r.useLocation': '使用我的位置',
    'r.locating': '正在定位…', 'r.locFailed': '无法获取位置：{msg}', 'r.outside': '此位置不在网格覆盖范围内（最近的网格：{grid}，{m} 米）。',
    'r.grid': '所属网格', 'r.party': '负责党组织', 'r.step2': '2. 问题', 'r.category': '类别', 'r.pickCategory': '请选择类别',
    'r.description': '描述', 'r.descHint': '发生了什么？在哪里？（例如：3号楼东侧路灯不亮）', 'r.urgent': '紧急',
    'r.photo': '照片（可选）', 'r.photoHint': '将在上传前压缩', 'r.removePhoto': '移除照片',
    'r.step3': '3. 联系方式（可选，不会公开）', 'r.name': '姓名', 'r.phone': '电话', 'r.submit': '提交上报',
    'r.submitting': '正在提交…', 'r.needPin': '请先在地图上标出位置', 'r.needCategory': '请选择类别',
    'r.needDesc': '请填写描述', 'r.thanks': '已收到您的上报', 'r.caseNo': '案件编号', 'r.duplicate': '附近已有相同问题的案件 #{id}，您的上报已作为附议记录。',
    'r.follow': '查看进展', 'r.another': '再报一件', 'r.photoBig': '照片太大，无法压缩到 5 MB 以下',
    'r.assignedTo': '已交由 {name} 办理', 'r.dueBy': '办理期限 {due}',
    'm.title': '我的上报', 'm.none': '此设备还没有上报记录。', 'm.rateQ': '您对处理结果满意吗？', 'm.thanks': '感谢您的评价',
    'm.followNo': '按案件编号查询', 'm.add': '查询', 'm.device': '您的上报保存在此设备上（匿名身份）。',
    'm.notFound': '没有这个案件', 'm.followed': '关注的案件',
    'p.title': '热点分析', 'p.category': '类别', 'p.status': '状态', 'p.from': '起', 'p.to': '止',
    'p.hotspots': '显著热点（Gi* ≥ 1.645）', 'p.noHotspots': '当前条件下没有显著热点', 'p.cases': '{n} 件',
    'p.kpi': '考核指标', 'p.xlsx': '下载 Excel', 'p.unit': '单位', 'p.cases2': '案件', 'p.closure': '结案率',
    'p.ontime': '按期结案率', 'p.rework': '返工率', 'p.response': '响应率', 'p.satisfaction': '满意率',
    'p.total': '合计', 'p.needToken': '登录后查看考核指标', 'p.legend': '颜色：案件数；红框：显著热点',
    'p.hot99': '99% 置信', 'p.hot95': '95% 置信', 'p.hot90': '90% 置信', 'p.up': '上一级',
    'fi.title': '我的任务', 'fi.locate': '定位', 'fi.useCentre': '以地图中心为起点', 'fi.method.road': '道路路线',
    'fi.method.straight': '直线距离', 'fi.total': '全程 {km} 公里', 'fi.noTasks': '附近没有待办任务',
    'fi.eta': '约 {min} 分钟', 'fi.leg': '{m} 米', 'fi.resolve': '办结此任务', 'fi.fallback': '（路线服务不可用，按直线距离排序）',
    'err.network': '网络错误，请检查连接', 'err.server': '服务器错误', 'err.rate': '请求过于频繁，{s} 秒后重试…',
    'err.map': '地图无法显示（浏览器需支持 WebGL）', 'err.noLibrary': '地图库未加载：请先运行 web/build.sh。'
  };

  var en = {
    htmlLang: 'en', appName: 'Grid governance',
    'nav.home': 'Home', 'nav.dispatch': 'Dispatch', 'nav.report': 'Report', 'nav.my': 'My reports',
    'nav.planner': 'Planner', 'nav.field': 'Field',
    'auth.signin': 'Staff sign-in', 'auth.signout': 'Sign out', 'auth.title': 'Staff sign-in',
    'auth.help': 'Paste a token made by gridgov token (or open a link ending in #token=…).',
    'auth.remember': 'Remember on this device', 'auth.ok': 'Sign in', 'auth.cancel': 'Cancel',
    'auth.bad': 'This is not a gridgov token', 'auth.expired': 'The token has expired; ask for a new one',
    'auth.needed': 'This page needs a staff token.', 'auth.wrongRole': 'The current token\'s role ({role}) cannot use this page.',
    'auth.as': '{role} · {unit}',
    'role.resident': 'Resident', 'role.grid_worker': 'Grid worker', 'role.grid_chief': 'Grid chief', 'role.dispatcher': 'Dispatcher',
    'role.department': 'Department', 'role.planner': 'Planner', 'role.admin': 'Admin', 'role.open311': 'Open311',
    'role.system': 'System',
    'landing.title': 'Qingzhou grid governance', 'landing.lead': 'Small matters stay in the grid, big ones in the community, hard ones in the street. Choose your way in:',
    'landing.dispatch': 'Dispatcher', 'landing.dispatchText': 'Live map, case list and workflow',
    'landing.report': 'Report a problem', 'landing.reportText': 'Drop a pin, describe it, add a photo',
    'landing.my': 'My reports', 'landing.myText': 'Follow progress, rate the result',
    'landing.planner': 'Planner', 'landing.plannerText': 'Hotspots and performance indicators',
    'landing.field': 'Field staff', 'landing.fieldText': 'Nearest tasks and the route',
    'landing.mapHint': 'Click the map for streets, communities, grids and compounds.',
    'level.street': 'Street', 'level.community': 'Community', 'level.grid': 'Grid', 'level.building': 'Compound',
    'level.road': 'Road', 'level.discuss_point': 'Discussion point',
    code: 'Code', name: 'Name', parent: 'Parent', loading: 'Loading…', none: 'none', close: 'Close', retry: 'Retry',
    'status.reported': 'Reported', 'status.heard': 'Heard', 'status.deliberating': 'Deliberating', 'status.decided': 'Decided',
    'status.dispatched': 'Dispatched', 'status.in_progress': 'In progress', 'status.resolved': 'Resolved', 'status.verified': 'Verified',
    'status.closed': 'Closed', 'status.suspended': 'Suspended', 'status.cancelled': 'Cancelled', 'status.open': 'All open',
    'status.all': 'Any status', overdue: 'Overdue',
    'class.immediate': 'Immediate', 'class.pending': 'Pending', 'class.escalate': 'Escalate', 'class.suggestion': 'Suggestion', 'class.redo': 'Redo',
    'domain.party_building': 'Party building', 'domain.economic_development': 'Economic development', 'domain.social_governance': 'Social governance',
    'domain.environmental_protection': 'Environment', 'domain.market_supervision': 'Market supervision',
    'domain.public_services': 'Public services', 'domain.emergency_safety': 'Emergency safety',
    'cat.all': 'All categories', 'unit.all': 'All communities/grids',
    'action.hear': 'Hear', 'action.schedule': 'Schedule', 'action.decide': 'Decide', 'action.dispatch': 'Dispatch',
    'action.start': 'Start', 'action.resolve': 'Resolve', 'action.verify': 'Verify', 'action.rate': 'Rate',
    'action.conclude': 'Conclude', 'action.escalate': 'Escalate', 'action.return': 'Return', 'action.suspend': 'Suspend',
    'action.resume': 'Resume', 'action.cancel': 'Cancel', 'action.merge': 'Merge', 'action.report': 'Report',
    'f.classification': 'Classification', 'f.point_code': 'Discussion point code', 'f.yes': 'Yes', 'f.no': 'No', 'f.abstain': 'Abstain',
    'f.owner': 'Owner code', 'f.to': 'To (unit or department code)', 'f.due_at': 'Due (optional)', 'f.note': 'Note',
    'f.photo': 'Photo', 'f.passed': 'Passed', 'f.rating': 'Rating', 'f.reason': 'Reason', 'f.into': 'Merge into case no.',
    'rating.satisfied': 'Satisfied', 'rating.basically_satisfied': 'Basically satisfied', 'rating.unsatisfied': 'Unsatisfied',
    'd.live': 'Live', 'd.offline': 'Disconnected, reconnecting…', 'd.cases': '{n} cases', 'd.new': 'new',
    'd.noCases': 'No cases match', 'd.history': 'History', 'd.actions': 'Actions', 'd.noActions': 'You can take no action on this case',
    'd.done': 'Done: {action}', 'd.legendOverdue': 'Red ring: overdue', 'd.due': 'Due', 'd.assignee': 'Assignee',
    'd.reporter': 'Reporter', 'd.photos': 'Photos ({n})', 'd.photo': 'Photo {i}', 'd.created': 'Reported', 'd.place': 'Place', 'd.supporters': '{n} supporters', 'd.back': 'Back to list',
    'd.submit': 'OK', 'd.newCase': 'New case #{id}: {category}',
    'r.title': 'Report a problem', 'r.step1': '1. Where', 'r.pinHint': 'Tap the map or drag the pin to where the problem is.', 'r.useLocation': 'Use my location',
    'r.locating': 'Locating…', 'r.locFailed': 'No location: {msg}', 'r.outside': 'This place is outside every grid (nearest grid: {grid}, {m} m).',
    'r.grid': 'Grid', 'r.party': 'Responsible party unit', 'r.step2': '2. What', 'r.category': 'Category', 'r.pickCategory': 'Choose a category',
    'r.description': 'Description', 'r.descHint': 'What happened, where exactly? (e.g. the street light east of block 3 is out)', 'r.urgent': 'Urgent',
    'r.photo': 'Photo (optional)', 'r.photoHint': 'downscaled before upload', 'r.removePhoto': 'Remove photo',
    'r.step3': '3. Contact (optional, never shown publicly)', 'r.name': 'Name', 'r.phone': 'Phone', 'r.submit': 'Send report',
    'r.submitting': 'Sending…', 'r.needPin': 'Mark the place on the map first', 'r.needCategory': 'Choose a category',
    'r.needDesc': 'Describe the problem', 'r.thanks': 'Thank you, your report is in', 'r.caseNo': 'Case number', 'r.duplicate': 'Case #{id} nearby already covers this; your report counts as support for it.',
    'r.follow': 'Follow it', 'r.another': 'Report another', 'r.photoBig': 'The photo cannot be made smaller than 5 MB',
    'r.assignedTo': 'Handled by {name}', 'r.dueBy': 'Due {due}',
    'm.title': 'My reports', 'm.none': 'No reports from this device yet.', 'm.rateQ': 'Are you satisfied with the result?', 'm.thanks': 'Thank you for rating',
    'm.followNo': 'Look up a case number', 'm.add': 'Look up', 'm.device': 'Your reports are kept on this device (an anonymous identity).',
    'm.notFound': 'No such case', 'm.followed': 'Followed cases',
    'p.title': 'Hotspots', 'p.category': 'Category', 'p.status': 'Status', 'p.from': 'From', 'p.to': 'To',
    'p.hotspots': 'Significant hotspots (Gi* ≥ 1.645)', 'p.noHotspots': 'No significant hotspots for these filters', 'p.cases': '{n} cases',
    'p.kpi': 'Indicators', 'p.xlsx': 'Download Excel', 'p.unit': 'Unit', 'p.cases2': 'Cases', 'p.closure': 'Closure',
    'p.ontime': 'On time', 'p.rework': 'Rework', 'p.response': 'Response', 'p.satisfaction': 'Satisfaction',
    'p.total': 'Total', 'p.needToken': 'Sign in to see the indicators', 'p.legend': 'Colour: cases; red outline: significant hotspot',
    'p.hot99': '99 % confidence', 'p.hot95': '95 % confidence', 'p.hot90': '90 % confidence', 'p.up': 'Up one level',
    'fi.title': 'My tasks', 'fi.locate': 'Locate me', 'fi.useCentre': 'Start from the map centre', 'fi.method.road': 'by road',
    'fi.method.straight': 'straight line', 'fi.total': '{km} km in all', 'fi.noTasks': 'No open tasks nearby',
    'fi.eta': 'about {min} min', 'fi.leg': '{m} m', 'fi.resolve': 'Resolve this task', 'fi.fallback': '(route service unavailable; ordered by straight distance)',
    'err.network': 'Network error; check the connection', 'err.server': 'Server error', 'err.rate': 'Too many requests; retrying in {s} s…',
    'err.map': 'The map cannot be shown (the browser needs WebGL)', 'err.noLibrary': 'Map library missing: run web/build.sh.'
  };

  var tables = { zh: zh, en: en };
  var lang = 'zh';
  try {
    var saved = window.localStorage.getItem('gridgov.lang');
    if (saved === 'zh' || saved === 'en') lang = saved;
  } catch (e) { /* storage disabled */ }

  GG.lang = function () { return lang; };
  GG.setLang = function (v) {
    if (!tables[v]) return;
    lang = v;
    try { window.localStorage.setItem('gridgov.lang', v); } catch (e) { /* ignore */ }
  };
  GG.t = function (key, vars) {
    var table = tables[lang];
    var s = Object.prototype.hasOwnProperty.call(table, key) ? table[key]
      : (Object.prototype.hasOwnProperty.call(zh, key) ? zh[key] : key);
    if (vars) {
      s = s.replace(/\{(\w+)\}/g, function (m, k) { return vars[k] === undefined ? m : String(vars[k]); });
    }
    return s;
  };
  GG.has = function (key) { return Object.prototype.hasOwnProperty.call(zh, key); };
})();
