;; Source: Rosetta Code, task "Floyds triangle" (https://rosettacode.org/wiki/Floyds_triangle), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Floyds-triangle/Clojure/floyds-triangle.clj
;;   (commit f23f22d71c285985898c796573a9c514cc8ea505).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-floyds-triangle; -main prints the task's two triangles (TrianglePrint returns a lazy seq of printlns, which the REPL realised).
(ns corpus.rc-floyds-triangle)

(defn TriangleList [n]
  (let [l (map inc (range))]
    (loop [l l x 1 nl []]
      (if (= n (count nl))
        nl
        (recur (drop x l) (inc x) (conj nl (take x l)))))))

(defn TrianglePrint [n]
  (let [t (TriangleList n)
        m (count (str (last (last t))))
        f (map #(map str %) t)
        l (map #(map (fn [x] (if (> m (count x))
                               (str (apply str (take (- m (count x))
                                                     (repeat " "))) x)
                               x)) %) f)
        e (map #(map (fn [x] (str " " x)) %) l)]
    (map #(println (apply str %)) e)))

(defn -main []
  (dorun (TrianglePrint 5))
  (dorun (TrianglePrint 14)))
